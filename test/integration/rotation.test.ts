/**
 * A rotation through the handler, against the real PostgreSQL (verify-full TLS) and the AWS
 * emulator: what a user sees afterwards in the database, in SSM and in ECS.
 */
import { RotationError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import { keyIdOf, readParameter } from "./support/aws";
import { lambdaContext } from "./support/context";
import { crashingHandler, EXPIRED_LEASE, SimulatedCrash } from "./support/crash";
import { expectDatabaseUrl, expectRotated } from "./support/expectations";
import { rotateExpectingFailure } from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

/** Every punctuation character except `# % & ?`: each generated password then contains one
 * of these four, which a DATABASE_URL must percent-encode to stay parseable. */
const ONLY_URL_SPECIAL_PUNCTUATION = "!\"$'()*+,-./:;<=>@[\\]^_`{|}~ ";

jest.setTimeout(60_000);

useCapturedOutput();

test("a rotation changes the role's password, publishes it as SecureString, deletes pending and redeploys every service", async () => {
  const s = await createScenario({
    services: 2,
    env: { PASSWORD_EXCLUDE_CHARACTERS: ONLY_URL_SPECIAL_PUNCTUATION },
  });
  const before = await snapshot(s);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
  const mark = markServerLog(s.h);

  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated" });
  const next = await expectRotated(s, s.initialPassword, before);
  expect(next).toMatch(/[#%&?]/);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
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

  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated", services: [] });
  await expectRotated(s, s.initialPassword, before);
});

test("a role whose name needs quoting in SQL and encoding in a URL is rotated and published correctly", async () => {
  const s = await createScenario({ roleName: (id) => `${id}@app:"ops" #1` });
  const before = await snapshot(s);

  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated" });
  // expectRotated parses DATABASE_URL and decodes the user name back to the role's.
  await expectRotated(s, s.initialPassword, before);
});

describe("KMS keys of the parameters", () => {
  const appKey = "alias/app-secrets";

  test("without KMS_KEY_ID, every parameter keeps (or, for pending, takes) the password parameter's key", async () => {
    const s = await createScenario({ keyId: appKey });
    // Stopped right after stage, to look at the pending parameter.
    const crashAfterStage = crashingHandler(s.env, "stage");
    await expect(
      crashAfterStage({ action: "rotate" }, lambdaContext(EXPIRED_LEASE)),
    ).rejects.toThrow(SimulatedCrash);
    expect(await keyIdOf(s.parameters.pending)).toBe(appKey);

    await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

    expect(await readParameter(s.parameters.pending)).toBeUndefined();
    expect(await keyIdOf(s.parameters.password)).toBe(appKey);
    expect(await keyIdOf(s.parameters.databaseUrl ?? "")).toBe(appKey);
  });

  test("with KMS_KEY_ID, the published parameters are encrypted with that key", async () => {
    const configured = "alias/rotation-key";
    const s = await createScenario({ keyId: appKey, env: { KMS_KEY_ID: configured } });

    await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

    expect(await keyIdOf(s.parameters.password)).toBe(configured);
    expect(await keyIdOf(s.parameters.databaseUrl ?? "")).toBe(configured);
  });
});

test("an ECS service that does not exist fails the run after the password is rotated and published", async () => {
  const s = await createScenario({ services: 1 });
  const before = await snapshot(s);
  const missing = `${s.cluster}-no-such-service`;

  const error = await rotateExpectingFailure({
    ...s.env,
    ECS_SERVICES: `${s.services[0]},${missing}`,
  });

  expect(error).toBeInstanceOf(RotationError);
  expect(error).toMatchObject({ kind: "refresh-failed", step: "refresh" });
  expect((error as RotationError).message).toContain(missing);
  // The applications can still log in: the rotation itself completed, the existing service restarted.
  await expectRotated(s, s.initialPassword, before);
});
