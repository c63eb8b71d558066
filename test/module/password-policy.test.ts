/**
 * The password policy's entropy rule exists twice, as a precondition in validations.tf and
 * in the Lambda's config (lambda-src/password.ts); tests/validations.tftest.hcl runs the
 * Terraform side. Both must read null exclusions as the same default alphabet.
 */
import { DEFAULT_EXCLUDED_CHARACTERS } from "../../lambda-src/config";
import { CHARACTER_CLASSES } from "../../lambda-src/password";
import { parseHcl } from "./module-files";

async function validationLocals(): Promise<Record<string, unknown>> {
  const blocks = ((await parseHcl("validations.tf")).locals ?? []) as Array<
    Record<string, unknown>
  >;
  return Object.assign({}, ...blocks);
}

test("validations.tf's default exclusions are the Lambda's DEFAULT_EXCLUDED_CHARACTERS", async () => {
  const locals = await validationLocals();
  expect(locals.password_default_excluded_characters).toBe(DEFAULT_EXCLUDED_CHARACTERS);
});

test("validations.tf's alphabet is the Lambda's four character classes", async () => {
  const locals = await validationLocals();
  const sorted = (s: string) => [...s].sort().join("");
  expect(sorted(String(locals.password_printable_ascii))).toBe(
    sorted(Object.values(CHARACTER_CLASSES).join("")),
  );
});
