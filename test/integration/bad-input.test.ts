/**
 * Bad configuration and bad state: each run stops with an error that names the problem and
 * the fix, and changes nothing (the role's password, the parameters and the services are as
 * they were).
 */
import { ConfigError } from "../../lambda-src/config";
import { CredentialDriftError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import { freePort } from "../support/free-port";
import { putSecureString, readParameter } from "./support/aws";
import {
  expectNothingChanged,
  expectRotationError,
  rotateExpectingFailure,
  setUp,
} from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { snapshot, testPassword } from "./support/scenario";

jest.setTimeout(60_000);

useCapturedOutput();

test("an invalid configuration fails with ConfigError naming the variable, before touching SSM or the database", async () => {
  const { s, before, mark } = await setUp();

  const build = () => createHandler({ env: { ...s.env, DB_PORT: "five-four-three-two" } });

  expect(build).toThrow(ConfigError);
  expect(build).toThrow(/DB_PORT.*db_port/s);
  await expectNothingChanged(s, before, mark);
  // Not even a login attempt reached the server.
  expect(s.h.readServerLog(mark)).not.toContain(s.role);
});

test("an unreachable database fails at read with database-unreachable, nothing changed", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure({ ...s.env, DB_PORT: String(await freePort()) });

  const failure = expectRotationError(error, "database-unreachable", "read");
  expect(failure.message).toMatch(/ECONNREFUSED/);
  expect(failure.stateLeft).toMatch(/nothing changed/);
  await expectNothingChanged(s, before, mark);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});

test("a wrong current password in SSM fails at read as credential drift, nothing changed", async () => {
  const { s, mark } = await setUp();
  await putSecureString(s.parameters.password, testPassword());
  const before = await snapshot(s);

  const error = await rotateExpectingFailure(s.env);

  const failure = expectRotationError(error, "credential-drift", "read");
  expect(failure).toBeInstanceOf(CredentialDriftError);
  expect(failure.message).toContain(s.parameters.password);
  await expectNothingChanged(s, before, mark);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});

test("a server certificate that does not match the host fails verify-full, nothing changed", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure({ ...s.env, DB_HOST: s.h.mismatchedHost });

  const failure = expectRotationError(error, "database-unreachable", "read");
  expect(failure.message).toMatch(/altnames|does not match|host ?name/i);
  await expectNothingChanged(s, before, mark);
  expect(s.h.readServerLog(mark)).not.toContain(`user=${s.role}`);
});

test("a server certificate from an untrusted CA fails verify-full, nothing changed", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure({ ...s.env, DB_CA_BUNDLE_FILE: s.h.otherCaFile });

  const failure = expectRotationError(error, "database-unreachable", "read");
  expect(failure.message).toMatch(/certificate/i);
  await expectNothingChanged(s, before, mark);
  expect(s.h.readServerLog(mark)).not.toContain(`user=${s.role}`);
});

test("a missing password parameter fails at read with parameter-missing, nothing created", async () => {
  const { s, before, mark } = await setUp();
  const missing = `${s.parameters.password}-does-not-exist`;

  const error = await rotateExpectingFailure({ ...s.env, PASSWORD_PARAMETER: missing });

  const failure = expectRotationError(error, "parameter-missing", "read");
  expect(failure.message).toContain(missing);
  await expectNothingChanged(s, before, mark);
  expect(await readParameter(`${missing}-pending`)).toBeUndefined();
});

test("a password parameter with a trailing newline fails as parameter-malformed, nothing changed", async () => {
  const { s, mark } = await setUp();
  await putSecureString(s.parameters.password, `${s.initialPassword}\n`);
  const before = await snapshot(s);

  const error = await rotateExpectingFailure(s.env);

  expectRotationError(error, "parameter-malformed", "read");
  await expectNothingChanged(s, before, mark);
});

test("a malformed pending parameter fails as parameter-malformed and is left for the operator", async () => {
  const { s, mark } = await setUp();
  await putSecureString(s.parameters.pending, '{"version":1,"password":');
  const before = await snapshot(s);

  const error = await rotateExpectingFailure(s.env);

  const failure = expectRotationError(error, "parameter-malformed", "read");
  expect(failure.message).toContain(s.parameters.pending);
  await expectNothingChanged(s, before, mark);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});
