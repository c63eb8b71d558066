/**
 * examples/complete with env/dev.tfvars, applied whole to an emulator (emulator.ts): VPC, NAT,
 * KMS, RDS, ECS and the module, wired as a user runs it from an empty account. The emulator
 * creates every one of its resources; what it cannot do is run PostgreSQL behind the RDS
 * instance, so the deployed code runs in apply.test.ts (examples/existing-infrastructure,
 * pointed at the throwaway cluster), and here the test checks the wiring: the function reads
 * the database, parameters, key and service this configuration created. Then a second plan
 * (no changes but the emulator's known drift) and destroy (empty state).
 *
 * Most of its time is the provider waiting on the RDS instance, which moto reports available at
 * once: each of the provider's waits looks first after 60 s, then wants three answers 10 s
 * apart. Create waits twice (moto answers CA certificate rds-ca-default, so the provider
 * modifies the instance to the example's rds-ca-rsa2048-g1), delete once: about 4 of its 5
 * minutes, with the CPU idle. test/support/sequencer.js starts this file first, so that the wait
 * overlaps the other files in jest's other workers.
 */
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  GetFunctionCommand,
  LambdaClient,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { readParameter } from "../integration/support/aws";
import { expectSuccess } from "../module/module-files";
import { stageExampleForEmulator } from "../support/emulator-provider";
import { harness } from "../support/harness";
import { runTerraform } from "../support/terraform";
import { PROJECT_ROOT } from "../support/tools";
import { startDeployEmulator, type DeployEmulator } from "./emulator";
import { expectedDrift, MOTO_RULE_DESCRIPTION, planDrift, type KnownDrift } from "./plan-drift";

const EXAMPLE_DIR = join(PROJECT_ROOT, "examples", "complete");
const FUNCTION_NAME = "orders-dev-db-rotation";
const APPLY_TIMEOUT_MS = 600_000;

/** Differences a second plan shows right after apply that the emulator causes, not the example. */
const EMULATOR_DRIFT: Record<string, KnownDrift> = {
  "aws_db_instance.this": {
    attributes: ["performance_insights_enabled", "performance_insights_kms_key_id"],
    reason: "moto's DescribeDBInstances does not report Performance Insights settings",
  },
  "aws_db_parameter_group.this": {
    attributes: ["parameter"],
    reason: "moto's DescribeDBParameters does not return the parameters the group was created with",
  },
  "aws_ecs_service.app": {
    attributes: ["availability_zone_rebalancing"],
    reason: "moto's DescribeServices leaves out availabilityZoneRebalancing",
  },
  "aws_vpc_security_group_egress_rule.app_to_db": MOTO_RULE_DESCRIPTION,
  "aws_vpc_security_group_ingress_rule.db_from_app": MOTO_RULE_DESCRIPTION,
  'module.rotation.aws_vpc_security_group_egress_rule.this["database"]': MOTO_RULE_DESCRIPTION,
  "module.rotation.aws_vpc_security_group_ingress_rule.database[0]": MOTO_RULE_DESCRIPTION,
};

const h = harness();
let dir: string;
const vars = ["-var-file=env/dev.tfvars", `-var=region=${h.aws.region}`];

const terraform = (args: readonly string[]) =>
  expectSuccess(
    args,
    runTerraform(args, {
      cwd: dir,
      env: { TF_DATA_DIR: join(dir, ".terraform") },
      timeoutMs: APPLY_TIMEOUT_MS,
    }),
  );

let emulator: DeployEmulator;

beforeAll(async () => {
  emulator = await startDeployEmulator();
  dir = stageExampleForEmulator(EXAMPLE_DIR, PROJECT_ROOT, emulator.endpoint);
  terraform(["init", "-input=false", "-no-color"]);
  terraform(["apply", "-auto-approve", "-input=false", "-no-color", ...vars]);
}, APPLY_TIMEOUT_MS);

afterAll(async () => {
  // After a failure, a user's own emulator (LocalStack) is left tidy; ours just stops.
  if (dir && h.aws.external)
    runTerraform(["destroy", "-auto-approve", "-input=false", "-no-color", ...vars], {
      cwd: dir,
      env: { TF_DATA_DIR: join(dir, ".terraform") },
      timeoutMs: APPLY_TIMEOUT_MS,
    });
  if (dir) rmSync(dir, { recursive: true, force: true });
  await emulator?.stop();
}, APPLY_TIMEOUT_MS);

test("the function is wired to the database, parameters, key and service created with it", async () => {
  const output = (name: string) =>
    JSON.parse(terraform(["output", "-json", name]).stdout) as string;
  const lambda = new LambdaClient({});
  const deployed = (await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME })))
    .Configuration as FunctionConfiguration;
  lambda.destroy();
  const rds = new RDSClient({});
  const { DBInstances = [] } = await rds.send(
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: "orders-dev" }),
  );
  rds.destroy();

  const env = deployed.Environment?.Variables ?? {};
  expect(output("rotation_function_name")).toBe(FUNCTION_NAME);
  expect(env.DB_HOST).toBe(DBInstances[0]?.Endpoint?.Address);
  expect(env.DB_HOST).toBe(output("db_address"));
  expect(env.DB_PORT).toBe(String(DBInstances[0]?.Endpoint?.Port));
  expect(env.DB_USER).toBe(DBInstances[0]?.MasterUsername);
  expect(env.KMS_KEY_ID).toBe(DBInstances[0]?.KmsKeyId);
  expect(env.PASSWORD_PARAMETER).toBe(output("password_parameter_name"));
  expect(env.DATABASE_URL_PARAMETER).toBe(output("database_url_parameter_name"));
  expect(env.ECS_SERVICES).toBe("app");
  expect(env.POWERTOOLS_LOG_LEVEL).toBe("DEBUG");
  // The write-only initial password reached SSM, and neither the state nor the plan holds it.
  const password = await readParameter(env.PASSWORD_PARAMETER ?? "");
  expect(password?.type).toBe("SecureString");
  expect(password?.value.length).toBe(32);
  expect(terraform(["show", "-json", "-no-color"]).stdout).not.toContain(password?.value);
});

test("a second plan changes nothing but the emulator's known drift", () => {
  expect(planDrift(terraform, vars)).toEqual(expectedDrift(EMULATOR_DRIFT));
});

test(
  "destroy leaves an empty state",
  () => {
    terraform(["destroy", "-auto-approve", "-input=false", "-no-color", ...vars]);
    expect(terraform(["state", "list"]).stdout.trim()).toBe("");
  },
  APPLY_TIMEOUT_MS,
);
