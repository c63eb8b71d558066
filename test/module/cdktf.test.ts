/**
 * The module consumed from CDK for Terraform, once per environment of examples/complete: a
 * stack wires the module with the inputs the example would give it under env/<env>.tfvars,
 * then cdktf's Testing matchers check the synthesized stack, `terraform validate` and a real
 * `terraform plan` with the real hashicorp/aws provider.
 *
 * Offline plan: the provider runs with fake credentials and its skip_* settings, and every
 * endpoint it could call points at the local moto server. The plan itself makes one call,
 * sts:GetCallerIdentity for the module's data.aws_caller_identity (the account ID in the
 * IAM policy's ARNs); moto answers it.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  exampleValues,
  expectPlannedResources,
  moduleInputs,
  rotationStack,
  useOfflineTerraform,
  type PlannedResource,
  type Values,
} from "./cdktf-stack";
import { PROJECT_ROOT } from "./module-files";

setupJest();

const EXAMPLE = join(PROJECT_ROOT, "examples", "complete");
const ACCOUNT = "123456789012"; // moto's default account
const KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/5f0e1d2c-3b4a-4968-8776-a5b4c3d2e1f0`;

/**
 * Stand-ins for what the example builds itself (VPC, database, parameters, cluster): the IDs
 * and names those resources would have in this environment.
 */
function standIns(values: Values): Record<string, unknown> {
  const env = String(values.environment);
  const zones = Number(values.availability_zone_count);
  const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:orders-${env}-db-rotation-alarms`;
  return {
    name: `orders-${env}-db-rotation`,
    vpc_id: "vpc-0a1b2c3d4e5f60718",
    subnet_ids: Array.from({ length: zones }, (_, i) => `subnet-0a1b2c3d4e5f6071${i}`),
    db_security_group_id: "sg-0a1b2c3d4e5f60718",
    https_egress_cidr_blocks: values.create_vpc_endpoints ? [] : ["0.0.0.0/0"],
    db_host: `orders-${env}.c0ffee123456.eu-west-1.rds.amazonaws.com`,
    db_port: 5432,
    db_name: "orders",
    db_username: "orders_app",
    password_parameter_name: `/orders/${env}/db/password`,
    database_url_parameter_name: `/orders/${env}/db/url`,
    parameter_kms_key_arn: KMS_KEY,
    log_kms_key_arn: KMS_KEY,
    ecs_cluster_name: `orders-${env}`,
    ecs_service_names: ["app"],
    alarm_actions: [topic],
    ok_actions: [topic],
  };
}

/**
 * The module's inputs as examples/complete/rotation.tf passes them: `var.X` arguments take the
 * environment's value, literals stay, everything else takes its stand-in. An argument with
 * neither fails the test, so the stack cannot drift from the example unnoticed.
 */
function completeInputs(values: Values): Promise<Values> {
  const stand = standIns(values);
  return moduleInputs(join(EXAMPLE, "rotation.tf"), values, (name, expression) => {
    if (typeof expression !== "string" && !Array.isArray(expression)) return expression;
    if (name in stand) return stand[name];
    throw new Error(
      `examples/complete passes ${name} = ${JSON.stringify(expression)}: add a stand-in`,
    );
  });
}

const offline = useOfflineTerraform();

const tfvarsFiles = readdirSync(join(EXAMPLE, "env")).filter((file) => file.endsWith(".tfvars"));

test("there is a tfvars file per environment", () => {
  expect(tfvarsFiles.sort()).toEqual(["dev.tfvars", "prod.tfvars"]);
});

describe.each(tfvarsFiles)("examples/complete with env/%s", (tfvarsFile) => {
  let values: Values;
  let inputs: Values;
  let stack: TerraformStack;

  beforeAll(async () => {
    values = await exampleValues(EXAMPLE, join("env", tfvarsFile));
    inputs = await completeInputs(values);
    stack = rotationStack(String(values.region), inputs, offline.endpoint);
  });

  test("synthesizes the provider and the module with this environment's settings", () => {
    const synthesized = Testing.synth(stack);
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, {
      region: values.region,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
    });
    const module = (JSON.parse(synthesized) as { module: Record<string, Values> }).module.rotation;
    expect(module).toMatchObject({
      schedule_expression: values.rotation_schedule_expression,
      schedule_enabled: values.rotation_schedule_enabled,
      log_level: values.log_level,
      log_retention_in_days: values.log_retention_in_days,
      create_vpc_endpoints: values.create_vpc_endpoints,
    });
  });

  test("is valid Terraform and plans successfully, offline", () => {
    const resources = expectPlannedResources(stack);
    const one = (type: string) => {
      const found = resources.filter((r) => r.type === type);
      expect(found.map((r) => r.address)).toHaveLength(1);
      return (found[0] as PlannedResource).values;
    };

    const fn = one("aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: inputs.name,
      reserved_concurrent_executions: 1,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
    });
    const environment = (fn.environment as Array<{ variables: Record<string, string> }>)[0]
      ?.variables;
    expect(environment).toMatchObject({
      POWERTOOLS_LOG_LEVEL: values.log_level,
      PASSWORD_PARAMETER: `/orders/${String(values.environment)}/db/password`,
      PENDING_PARAMETER: `/orders/${String(values.environment)}/db/password-pending`,
      ECS_SERVICES: "app",
    });
    expect(one("aws_lambda_function_event_invoke_config").maximum_retry_attempts).toBe(0);
    const rules = resources.filter((r) => r.type === "aws_cloudwatch_event_rule");
    const rule = (name: string) => rules.find((r) => r.address.endsWith(`.${name}[0]`))?.values;
    expect(rules).toHaveLength(3);
    expect(rule("this")).toMatchObject({
      schedule_expression: values.rotation_schedule_expression,
      state: values.rotation_schedule_enabled ? "ENABLED" : "DISABLED",
    });
    expect(rule("resume")).toMatchObject({ schedule_expression: "rate(1 hour)", state: "ENABLED" });
    // The ends of the listed service's deployments, for a refresh that outlives its invocation.
    expect(JSON.parse(String(rule("deployments")?.event_pattern))).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Deployment State Change"],
      detail: { eventName: ["SERVICE_DEPLOYMENT_COMPLETED", "SERVICE_DEPLOYMENT_FAILED"] },
      resources: [
        `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/orders-${String(values.environment)}/app`,
      ],
    });
    expect(one("aws_cloudwatch_log_group").retention_in_days).toBe(values.log_retention_in_days);
    expect(resources.filter((r) => r.type === "aws_vpc_endpoint")).toHaveLength(
      values.create_vpc_endpoints ? 4 : 0,
    );

    // The account ID came from moto's sts:GetCallerIdentity through the real provider. (The
    // permissions policy is unknown until apply: it names the security group and log group.)
    const trust = JSON.parse(String(one("aws_iam_role").assume_role_policy)) as {
      Statement: Array<{ Condition: Record<string, Record<string, string>> }>;
    };
    expect(trust.Statement[0]?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
    });
  });
});
