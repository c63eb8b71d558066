/**
 * Error kinds operators can act on (docs/operations.md §Error kinds): a login the server
 * refuses for another reason than the password is not credential drift, a missing database
 * is not a network problem, a secret stored unencrypted is refused rather than converted, a
 * configuration error is logged with its kind, and a DATABASE_URL parameter the function
 * creates takes the password parameter's KMS key.
 */
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { ConfigError } from "../../lambda-src/config";
import { createHandler, lambdaHandler } from "../../lambda-src/handler";
import { keyIdOf, readParameter, ssm } from "./support/aws";
import { lambdaContext } from "./support/context";
import {
  expectNothingChanged,
  expectRotationError,
  rotateExpectingFailure,
  setUp,
} from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";

jest.setTimeout(60_000);

const output = useCapturedOutput();

test("a role without LOGIN fails at read with login-not-permitted, not credential drift", async () => {
  const { s, before, mark } = await setUp();
  await s.h.admin(`ALTER ROLE ${s.role} NOLOGIN`);

  const error = await rotateExpectingFailure(s.env);

  const failure = expectRotationError(error, "login-not-permitted", "read");
  expect(failure.message).toMatch(/28000 .*not permitted to log in/);
  expect(failure.action).toMatch(/ALTER ROLE <role> LOGIN/);
  expect(failure.message).not.toMatch(/drift/);
  await expectNothingChanged(s, before, mark);
});

test("a database that does not exist fails at read with database-missing, naming db_name", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure({ ...s.env, DB_NAME: "no_such_database" });

  const failure = expectRotationError(error, "database-missing", "read");
  expect(failure.message).toMatch(/3D000 .*no_such_database/);
  expect(failure.action).toMatch(/db_name/);
  expect(failure.action).not.toMatch(/security group/);
  await expectNothingChanged(s, before, mark);
});

test("a password parameter of type String is refused with parameter-not-secure, not converted", async () => {
  const { s, mark } = await setUp();
  await ssm().send(
    new PutParameterCommand({
      Name: s.parameters.password,
      Value: s.initialPassword,
      Type: "String",
      Overwrite: true,
    }),
  );
  const before = await snapshot(s);
  expect(before.password?.type).toBe("String");

  const error = await rotateExpectingFailure(s.env);

  const failure = expectRotationError(error, "parameter-not-secure", "read");
  expect(failure.message).toContain(`${s.parameters.password} is a String parameter`);
  expect(failure.action).toMatch(/--type SecureString/);
  await expectNothingChanged(s, before, mark);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});

test("a configuration error fails each invocation with one JSON log line of kind config-invalid", async () => {
  const env = { DB_HOST: "db", PASSWORD_PARAMETER: "/p" };
  expect(() => createHandler({ env })).toThrow(ConfigError);

  await expect(lambdaHandler({ env })({}, lambdaContext())).rejects.toThrow(ConfigError);

  const lines = output
    .text()
    .split("\n")
    .filter((line) => line.includes("config-invalid"));
  expect(lines).toHaveLength(1);
  const logged = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
  expect(logged).toMatchObject({ level: "ERROR", kind: "config-invalid", step: "handler" });
  expect(logged.message).toMatch(/DB_USER is required; fix: set the module variable `db_username`/);
});

test("a DATABASE_URL parameter the function creates takes the password parameter's KMS key", async () => {
  const appKey = "alias/app-secrets";
  const s = await createScenario({ keyId: appKey, databaseUrl: false });
  const url = `${s.parameters.password}-url`;

  await createHandler({ env: { ...s.env, DATABASE_URL_PARAMETER: url } })(
    { action: "rotate" },
    lambdaContext(),
  );

  expect((await readParameter(url))?.type).toBe("SecureString");
  expect(await keyIdOf(url)).toBe(appKey);
});
