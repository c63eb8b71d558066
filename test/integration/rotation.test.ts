/**
 * A rotation through the handler, against the real PostgreSQL (verify-full TLS) and the AWS
 * emulator: what a user sees afterwards in the database, in SSM and in ECS.
 */
import { createHandler } from "../../lambda-src/handler";
import { lambdaContext } from "./support/context";
import { expectDatabaseUrl, expectRotated } from "./support/expectations";
import { captureOutput, type CapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

/** Every punctuation character except `# % & ?`: each generated password then contains one
 * of these four, which a DATABASE_URL must percent-encode to stay parseable. */
const ONLY_URL_SPECIAL_PUNCTUATION = "!\"$'()*+,-./:;<=>@[\\]^_`{|}~ ";

jest.setTimeout(60_000);

let output: CapturedOutput;
beforeEach(() => (output = captureOutput()));
afterEach(() => output.restore());

test("a rotation changes the role's password, publishes it as SecureString, deletes pending and redeploys every service", async () => {
  const s = await createScenario({
    services: 2,
    env: { PASSWORD_EXCLUDE_CHARACTERS: ONLY_URL_SPECIAL_PUNCTUATION },
  });
  const before = await snapshot(s);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
  const mark = markServerLog(s.h.readServerLog);

  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated" });
  const next = await expectRotated(s, s.initialPassword, before);
  expect(next).toMatch(/[#%&?]/);
  expect(passwordChanges(s.h.readServerLog, s.role, mark)).toHaveLength(1);
  // The URL carries the password percent-encoded, never raw.
  const url = (await snapshot(s)).databaseUrl?.value ?? "";
  expect(url).not.toContain(next);
  expectDatabaseUrl(s, url, next);
});

test("a second rotation changes the password again and redeploys again", async () => {
  const s = await createScenario();
  const handler = createHandler({ env: s.env });

  const before1 = await snapshot(s);
  await handler({ action: "rotate" }, lambdaContext());
  const first = await expectRotated(s, s.initialPassword, before1);

  const before2 = await snapshot(s);
  const result = await handler({ action: "rotate" }, lambdaContext());
  expect(result).toMatchObject({ outcome: "rotated" });
  const second = await expectRotated(s, first, before2);
  expect(second).not.toBe(first);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(false);
});

test("without a DATABASE_URL parameter or ECS services, the password alone is rotated", async () => {
  const s = await createScenario({ services: 0, databaseUrl: false });
  const before = await snapshot(s);

  const result = await createHandler({ env: s.env })(undefined, lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated", services: [] });
  await expectRotated(s, s.initialPassword, before);
});
