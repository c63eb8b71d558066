/**
 * A rotation role without the SSM permissions it needs, against a moto that enforces IAM:
 * the run names the denied action and the fix, and changes nothing.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { startIamEnforcedMoto } from "../support/moto";
import { putSecureString, readParameter } from "../support/ssm-parameters";
import { expectRotationError, rotateExpectingFailure, setUp } from "./support/failures";
import { useCapturedOutput } from "./support/output";
import type { Scenario } from "./support/scenario";
import { passwordChanges, type LogMark } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

describe("with SSM access denied by IAM", () => {
  const passwordName = "/rotation-test/iam/password";
  let emulator: Awaited<ReturnType<typeof startIamEnforcedMoto>>;
  const clients = new Map<string, SSMClient>();

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
              Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:DescribeParameters"],
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
  afterAll(() => {
    for (const client of clients.values()) client.destroy();
    return emulator?.stop();
  });

  /** The SSM client signed with `user`'s credentials; one per user. */
  const ssmAs = (user: string): SSMClient => {
    const cached = clients.get(user);
    if (cached) return cached;
    const credentials = emulator.users[user];
    if (!credentials) throw new Error(`no IAM user ${user}`);
    const client = new SSMClient({ endpoint: emulator.endpoint, credentials });
    clients.set(user, client);
    return client;
  };

  async function seedIamScenario() {
    const setup = await setUp({ services: 0, databaseUrl: false });
    await putSecureString(ssmAs("seeder"), passwordName, setup.s.initialPassword);
    return { ...setup, env: { ...setup.s.env, PASSWORD_PARAMETER: passwordName } };
  }

  const rotateAs = (user: string, env: NodeJS.ProcessEnv) =>
    rotateExpectingFailure(env, { ssm: ssmAs(user) });

  async function expectNothingChangedInIamAccount(s: Scenario, mark: LogMark) {
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toEqual([]);
    expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
    const seeder = ssmAs("seeder");
    expect((await readParameter(seeder, passwordName))?.value).toBe(s.initialPassword);
    // readParameter answers undefined only for ParameterNotFound; any other error throws.
    expect(await readParameter(seeder, `${passwordName}-pending`)).toBeUndefined();
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
