/**
 * Bad configuration and bad state: each run stops with an error that names the problem and
 * the fix, and changes nothing (the role's password, the parameters and the services are as
 * they were). Plus the two recoveries of an expired pending parameter, each with exactly one
 * password change in total.
 */
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { ConfigError } from "../../lambda-src/config";
import { CredentialDriftError, RotationError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import { startIamEnforcedMoto } from "../support/moto";
import { putSecureString, readParameter } from "./support/aws";
import { lambdaContext } from "./support/context";
import { expectRotated } from "./support/expectations";
import { closedPort } from "./support/free-closed-port";
import { captureOutput, type CapturedOutput } from "./support/output";
import { readPending, seedExpiredPending } from "./support/pending";
import {
  createScenario,
  snapshot,
  testPassword,
  type Scenario,
  type ScenarioState,
} from "./support/scenario";
import { markServerLog, passwordChanges, type LogMark } from "./support/server-log";

jest.setTimeout(60_000);

let output: CapturedOutput;
beforeEach(() => (output = captureOutput()));
afterEach(() => output.restore());

/** Runs one rotation that must fail; returns what it threw. */
async function rotateExpectingFailure(
  s: Scenario,
  env: NodeJS.ProcessEnv = s.env,
): Promise<unknown> {
  const run = createHandler({ env })({ action: "rotate" }, lambdaContext());
  return run.then(
    (result) => {
      throw new Error(`expected the rotation to fail, it returned ${JSON.stringify(result)}`);
    },
    (error: unknown) => error,
  );
}

async function expectNothingChanged(s: Scenario, before: ScenarioState, mark: LogMark) {
  expect(await snapshot(s)).toEqual(before);
  expect(passwordChanges(s.h.readServerLog, s.role, mark)).toEqual([]);
}

function expectRotationError(error: unknown, kind: string, step: string): RotationError {
  expect(error).toBeInstanceOf(RotationError);
  const failure = error as RotationError;
  expect({ kind: failure.kind, step: failure.step }).toEqual({ kind, step });
  expect(failure.action.length).toBeGreaterThan(10);
  return failure;
}

async function setUp(options: Parameters<typeof createScenario>[0] = {}) {
  const s = await createScenario(options);
  const before = await snapshot(s);
  return { s, before, mark: markServerLog(s.h.readServerLog) };
}

test("an invalid configuration fails with ConfigError naming the variable, before touching SSM or the database", async () => {
  const { s, before, mark } = await setUp();

  const build = () => createHandler({ env: { ...s.env, DB_PORT: "five-four-three-two" } });

  expect(build).toThrow(ConfigError);
  expect(build).toThrow(/DB_PORT.*db_port/s);
  await expectNothingChanged(s, before, mark);
  // Not even a login attempt reached the server.
  expect(s.h.readServerLog().slice(mark)).not.toContain(s.role);
});

test("an unreachable database fails at read with database-unreachable, nothing changed", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure(s, { ...s.env, DB_PORT: String(await closedPort()) });

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

  const error = await rotateExpectingFailure(s);

  const failure = expectRotationError(error, "credential-drift", "read");
  expect(failure).toBeInstanceOf(CredentialDriftError);
  expect(failure.message).toContain(s.parameters.password);
  await expectNothingChanged(s, before, mark);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});

test("a server certificate that does not match the host fails verify-full, nothing changed", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure(s, { ...s.env, DB_HOST: s.h.mismatchedHost });

  const failure = expectRotationError(error, "database-unreachable", "read");
  expect(failure.message).toMatch(/altnames|does not match|host ?name/i);
  await expectNothingChanged(s, before, mark);
  expect(s.h.readServerLog().slice(mark)).not.toContain(`user=${s.role}`);
});

test("a server certificate from an untrusted CA fails verify-full, nothing changed", async () => {
  const { s, before, mark } = await setUp();

  const error = await rotateExpectingFailure(s, { ...s.env, DB_CA_BUNDLE_FILE: s.h.otherCaFile });

  const failure = expectRotationError(error, "database-unreachable", "read");
  expect(failure.message).toMatch(/certificate/i);
  await expectNothingChanged(s, before, mark);
  expect(s.h.readServerLog().slice(mark)).not.toContain(`user=${s.role}`);
});

test("a missing password parameter fails at read with parameter-missing, nothing created", async () => {
  const { s, before, mark } = await setUp();
  const missing = `${s.parameters.password}-does-not-exist`;

  const error = await rotateExpectingFailure(s, { ...s.env, PASSWORD_PARAMETER: missing });

  const failure = expectRotationError(error, "parameter-missing", "read");
  expect(failure.message).toContain(missing);
  await expectNothingChanged(s, before, mark);
  expect(await readParameter(`${missing}-pending`)).toBeUndefined();
});

test("a password parameter with a trailing newline fails as parameter-malformed, nothing changed", async () => {
  const { s, mark } = await setUp();
  await putSecureString(s.parameters.password, `${s.initialPassword}\n`);
  const before = await snapshot(s);

  const error = await rotateExpectingFailure(s);

  expectRotationError(error, "parameter-malformed", "read");
  await expectNothingChanged(s, before, mark);
});

test("a malformed pending parameter fails as parameter-malformed and is left for the operator", async () => {
  const { s, mark } = await setUp();
  await putSecureString(s.parameters.pending, '{"version":1,"password":');
  const before = await snapshot(s);

  const error = await rotateExpectingFailure(s);

  const failure = expectRotationError(error, "parameter-malformed", "read");
  expect(failure.message).toContain(s.parameters.pending);
  await expectNothingChanged(s, before, mark);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});

describe("with SSM access denied by IAM", () => {
  const passwordName = "/rotation-test/iam/password";
  let emulator: Awaited<ReturnType<typeof startIamEnforcedMoto>>;

  beforeAll(async () => {
    emulator = await startIamEnforcedMoto({
      users: {
        seeder: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        },
        // A rotation role missing ssm:PutParameter: it can read, but not stage.
        rotator: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["ssm:GetParameter", "ssm:DescribeParameters"],
              Resource: "*",
            },
          ],
        },
        // A role with no SSM permission at all.
        outsider: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "ecs:DescribeServices", Resource: "*" }],
        },
      },
    });
  });
  afterAll(() => emulator?.stop());

  const ssmAs = (user: string) => {
    const credentials = emulator.users[user];
    if (!credentials) throw new Error(`no IAM user ${user}`);
    return new SSMClient({ endpoint: emulator.endpoint, credentials });
  };

  async function seedIamScenario() {
    const setup = await setUp({ services: 0, databaseUrl: false });
    await ssmAs("seeder").send(
      new PutParameterCommand({
        Name: passwordName,
        Value: setup.s.initialPassword,
        Type: "SecureString",
        Overwrite: true,
      }),
    );
    return { ...setup, env: { ...setup.s.env, PASSWORD_PARAMETER: passwordName } };
  }

  async function rotateAs(user: string, env: NodeJS.ProcessEnv): Promise<unknown> {
    const run = createHandler({ env, clients: { ssm: ssmAs(user) } });
    return run({ action: "rotate" }, lambdaContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  async function expectNothingChangedInIamAccount(s: Scenario, mark: LogMark) {
    expect(passwordChanges(s.h.readServerLog, s.role, mark)).toEqual([]);
    expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
    const seeder = ssmAs("seeder");
    const stored = await seeder.send(
      new GetParameterCommand({ Name: passwordName, WithDecryption: true }),
    );
    expect(stored.Parameter?.Value).toBe(s.initialPassword);
    await expect(
      seeder.send(new GetParameterCommand({ Name: `${passwordName}-pending` })),
    ).rejects.toBeInstanceOf(ParameterNotFound);
  }

  test("a role that cannot read the password fails at read with the fix, nothing changed", async () => {
    const { s, mark, env } = await seedIamScenario();

    const failure = expectRotationError(await rotateAs("outsider", env), "parameter-store", "read");

    expect(failure.message).toMatch(/AccessDenied/);
    expect(failure.message).toMatch(/ssm:GetParameter/);
    await expectNothingChangedInIamAccount(s, mark);
  });

  test("a role that cannot write fails at stage with the fix, nothing changed", async () => {
    const { s, mark, env } = await seedIamScenario();

    const failure = expectRotationError(await rotateAs("rotator", env), "parameter-store", "stage");

    expect(failure.message).toMatch(/AccessDenied/);
    expect(failure.message).toMatch(/ssm:PutParameter/);
    await expectNothingChangedInIamAccount(s, mark);
  });
});

describe("a pending parameter left by a run whose lease expired", () => {
  test("whose password logs in: the run publishes it without changing the password again", async () => {
    const s = await createScenario();
    const before = await snapshot(s);
    // The crashed run had applied its staged password.
    const staged = testPassword();
    await s.h.createLoginRole(s.role, staged);
    await seedExpiredPending(s, staged);
    const mark = markServerLog(s.h.readServerLog);

    const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

    expect(result).toMatchObject({ outcome: "recovered" });
    expect(await expectRotated(s, s.initialPassword, before)).toBe(staged);
    expect(passwordChanges(s.h.readServerLog, s.role, mark)).toEqual([]);
  });

  test("whose password does not log in: the run applies it, exactly one change", async () => {
    const s = await createScenario();
    const before = await snapshot(s);
    // The crashed run died before its ALTER ROLE committed.
    const staged = testPassword();
    await seedExpiredPending(s, staged);
    const mark = markServerLog(s.h.readServerLog);

    const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

    expect(result).toMatchObject({ outcome: "recovered" });
    expect(await expectRotated(s, s.initialPassword, before)).toBe(staged);
    expect(passwordChanges(s.h.readServerLog, s.role, mark)).toHaveLength(1);
  });

  test("when neither password logs in: CredentialDriftError, no password change, both kept", async () => {
    const s = await createScenario();
    const staged = testPassword();
    const seeded = await seedExpiredPending(s, staged);
    // Someone else changed the role's password.
    const outsider = testPassword();
    await s.h.createLoginRole(s.role, outsider);
    const before = await snapshot(s);
    const mark = markServerLog(s.h.readServerLog);

    const error = await rotateExpectingFailure(s);

    const failure = expectRotationError(error, "credential-drift", "recover");
    expect(failure).toBeInstanceOf(CredentialDriftError);
    expect(failure.message).toContain(s.parameters.password);
    expect(failure.message).toContain(s.parameters.pending);
    expect(passwordChanges(s.h.readServerLog, s.role, mark)).toEqual([]);
    expect(await s.h.canLogin(s.role, outsider)).toBe(true);
    const after = await snapshot(s);
    expect(after.password).toEqual(before.password);
    expect(after.databaseUrl).toEqual(before.databaseUrl);
    expect(after.deployments).toEqual(before.deployments);
    // The staged password stays on record (its lease may be re-stamped, but not held).
    const pending = await readPending(s);
    expect(pending).toMatchObject({
      password: staged,
      username: s.role,
      stagedAt: seeded.stagedAt,
    });
    expect(Date.parse(pending?.leaseExpiresAt ?? "")).toBeLessThanOrEqual(Date.now());
  });
});
