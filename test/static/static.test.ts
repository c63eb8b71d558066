/**
 * The checks a reviewer would run by hand, run by `npm test` so CI enforces them: the
 * TypeScript compiles under strict settings, ESLint and Prettier are clean, and the committed
 * dist/rotator.zip is exactly what the sources build to.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

test("TypeScript typechecks under strict settings", () => {
  const { code, output } = run("npx", ["tsc", "--noEmit"]);
  expect(output).toBe("");
  expect(code).toBe(0);
});

test("ESLint reports no problem", () => {
  const { code, output } = run("npx", ["eslint", "--max-warnings=0", "."]);
  expect(output.trim()).toBe("");
  expect(code).toBe(0);
});

test("Prettier finds every file formatted", () => {
  const { code, output } = run("npx", ["prettier", "--check", "--log-level=warn", "."]);
  expect(output.trim()).toBe("");
  expect(code).toBe(0);
});

test("the committed dist/rotator.zip is byte-for-byte the build of lambda-src", () => {
  const { code, output } = run("node", ["scripts/build.mjs", "--check"]);
  expect(output).toMatch(/is up to date/);
  expect(code).toBe(0);
});
