/**
 * A new user's first `terraform plan`: every ID and ARN the module is given belongs to a
 * resource created in the same run, so none is known until apply. Terraform must still know
 * every for_each key and count at plan time, or the plan fails with "Invalid for_each
 * argument ... will be known only after apply".
 *
 * Real `terraform init` + `terraform plan` with the real aws provider against the local moto
 * server (test/support/emulator-provider.ts points the provider at it): a root configuration
 * that creates the prerequisites and passes their IDs into the module with every optional
 * feature on, the same in Secrets Manager mode (the secrets and their key created alongside), and
 * examples/complete from an empty state with each env/*.tfvars.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  stageExampleForEmulator,
  writeEmulatorProviderOverride,
} from "../support/emulator-provider";
import { startMoto, type AwsEmulator } from "../support/moto";
import { runTerraform, type TerraformResult } from "../support/terraform";
import { PROJECT_ROOT, expectSuccess } from "./module-files";

interface PlanJson {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly change: { readonly actions: readonly string[] };
  }[];
}

/** `terraform init` + `plan -out` + `show -json` in `dir`; throws with Terraform's output on failure. */
function plan(dir: string, varFile?: string): PlanJson {
  const env = { TF_DATA_DIR: join(dir, ".terraform") };
  const run = (args: readonly string[]): TerraformResult =>
    expectSuccess(args, runTerraform(args, { cwd: dir, env }));
  run(["init", "-input=false", "-no-color"]);
  run([
    "plan",
    "-input=false",
    "-no-color",
    "-lock=false",
    "-out=tfplan",
    ...(varFile ? [`-var-file=${varFile}`] : []),
  ]);
  return JSON.parse(run(["show", "-json", "-no-color", "tfplan"]).stdout) as PlanJson;
}

function plannedAddresses(planJson: PlanJson): string[] {
  return (planJson.resource_changes ?? [])
    .filter((change) => change.change.actions.includes("create"))
    .map((change) => change.address);
}

/**
 * The module twice, reaching the database through its security group and through subnet CIDRs,
 * each time with every optional feature on, fed only by resources of this configuration.
 */
function rootConfiguration(moduleSource: string): string {
  return `
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "this" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(aws_vpc.this.cidr_block, 8, count.index)
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}

resource "aws_subnet" "database" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.40.100.0/24"
}

resource "aws_security_group" "database" {
  name   = "database"
  vpc_id = aws_vpc.this.id
}

resource "aws_security_group" "extra" {
  name   = "extra"
  vpc_id = aws_vpc.this.id
}

resource "aws_kms_key" "parameters" {
  description = "parameters"
}

resource "aws_kms_key" "admin" {
  description = "admin parameter"
}

resource "aws_kms_key" "logs" {
  description = "logs and environment"
}

resource "aws_ssm_parameter" "password" {
  name   = "/plan/db/password"
  type   = "SecureString"
  key_id = aws_kms_key.parameters.arn
  value  = "initial-value-replaced-by-the-first-rotation"
}

resource "aws_ssm_parameter" "admin" {
  name   = "/plan/db/admin"
  type   = "SecureString"
  key_id = aws_kms_key.admin.arn
  value  = jsonencode({ username = "admin", password = "not-a-real-password" })
}

resource "aws_ssm_parameter" "username" {
  name  = "/plan/db/username"
  type  = "String"
  value = "app"
}

resource "aws_sns_topic" "events" {
  name = "rotation-events"
}

resource "aws_cloudwatch_event_bus" "ops" {
  name = "ops"
}

resource "aws_ecs_cluster" "this" {
  name = "plan"
}

resource "aws_ecs_cluster" "discovery" {
  name = "plan-discovery"
}

resource "aws_iam_policy" "boundary" {
  name   = "boundary"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

locals {
  every_feature = {
    vpc_id                        = aws_vpc.this.id
    subnet_ids                    = aws_subnet.private[*].id
    additional_security_group_ids = [aws_security_group.extra.id]
    create_vpc_endpoints          = true
    vpc_endpoint_subnet_ids       = aws_subnet.private[*].id
    https_egress_cidr_blocks      = [aws_vpc.this.cidr_block]

    db_host     = "db.plan.internal"
    db_username = "app"

    password_parameter_name     = aws_ssm_parameter.password.name
    database_url_parameter_name = "/plan/db/url"
    parameter_kms_key_arn       = aws_kms_key.parameters.arn
    use_parameter_kms_key       = true

    rotation_strategy           = "alternating-users"
    admin_parameter_name        = aws_ssm_parameter.admin.name
    admin_parameter_kms_key_arn = aws_kms_key.admin.arn
    use_admin_parameter_kms_key = true
    username_parameter_name     = aws_ssm_parameter.username.name

    ecs_cluster_name            = aws_ecs_cluster.this.name
    ecs_service_names           = ["api", "worker"]
    ecs_discovery_cluster_names = [aws_ecs_cluster.discovery.name]
    ecs_service_restart_methods = { worker = "stop-tasks" }

    notification_sns_topic_arn = aws_sns_topic.events.arn
    use_notification_sns_topic = true
    notification_event_bus     = aws_cloudwatch_event_bus.ops.arn
    use_notification_event_bus = true

    kms_key_arn                   = aws_kms_key.logs.arn
    log_kms_key_arn               = aws_kms_key.logs.arn
    role_permissions_boundary_arn = aws_iam_policy.boundary.arn
    tracing_enabled               = true
    alarm_actions                 = [aws_sns_topic.events.arn]
    ok_actions                    = [aws_sns_topic.events.arn]
    create_dashboard              = true
  }
}

module "by_security_group" {
  source = ${JSON.stringify(moduleSource)}

  name                   = "plan-by-security-group"
  db_security_group_id   = aws_security_group.database.id
  create_db_ingress_rule = true

  vpc_id                        = local.every_feature.vpc_id
  subnet_ids                    = local.every_feature.subnet_ids
  additional_security_group_ids = local.every_feature.additional_security_group_ids
  create_vpc_endpoints          = local.every_feature.create_vpc_endpoints
  vpc_endpoint_subnet_ids       = local.every_feature.vpc_endpoint_subnet_ids
  https_egress_cidr_blocks      = local.every_feature.https_egress_cidr_blocks
  db_host                       = local.every_feature.db_host
  db_username                   = local.every_feature.db_username
  password_parameter_name       = local.every_feature.password_parameter_name
  database_url_parameter_name   = local.every_feature.database_url_parameter_name
  parameter_kms_key_arn         = local.every_feature.parameter_kms_key_arn
  use_parameter_kms_key         = local.every_feature.use_parameter_kms_key
  rotation_strategy             = local.every_feature.rotation_strategy
  admin_parameter_name          = local.every_feature.admin_parameter_name
  admin_parameter_kms_key_arn   = local.every_feature.admin_parameter_kms_key_arn
  use_admin_parameter_kms_key   = local.every_feature.use_admin_parameter_kms_key
  username_parameter_name       = local.every_feature.username_parameter_name
  ecs_cluster_name              = local.every_feature.ecs_cluster_name
  ecs_service_names             = local.every_feature.ecs_service_names
  ecs_discovery_cluster_names   = local.every_feature.ecs_discovery_cluster_names
  ecs_service_restart_methods   = local.every_feature.ecs_service_restart_methods
  notification_sns_topic_arn    = local.every_feature.notification_sns_topic_arn
  use_notification_sns_topic    = local.every_feature.use_notification_sns_topic
  notification_event_bus        = local.every_feature.notification_event_bus
  use_notification_event_bus    = local.every_feature.use_notification_event_bus
  kms_key_arn                   = local.every_feature.kms_key_arn
  log_kms_key_arn               = local.every_feature.log_kms_key_arn
  role_permissions_boundary_arn = local.every_feature.role_permissions_boundary_arn
  tracing_enabled               = local.every_feature.tracing_enabled
  alarm_actions                 = local.every_feature.alarm_actions
  ok_actions                    = local.every_feature.ok_actions
  create_dashboard              = local.every_feature.create_dashboard
}

module "by_cidr" {
  source = ${JSON.stringify(moduleSource)}

  name           = "plan-by-cidr"
  db_cidr_blocks = [aws_subnet.database.cidr_block]

  vpc_id                        = local.every_feature.vpc_id
  subnet_ids                    = local.every_feature.subnet_ids
  additional_security_group_ids = local.every_feature.additional_security_group_ids
  create_vpc_endpoints          = false
  https_egress_cidr_blocks      = ["0.0.0.0/0"]
  db_host                       = local.every_feature.db_host
  db_username                   = local.every_feature.db_username
  password_parameter_name       = "/plan/cidr/password"
  parameter_kms_key_arn         = local.every_feature.parameter_kms_key_arn
  use_parameter_kms_key         = local.every_feature.use_parameter_kms_key
  ecs_cluster_name              = local.every_feature.ecs_cluster_name
  ecs_service_names             = local.every_feature.ecs_service_names
  notification_sns_topic_arn    = local.every_feature.notification_sns_topic_arn
  use_notification_sns_topic    = local.every_feature.use_notification_sns_topic
  notification_event_bus        = aws_cloudwatch_event_bus.ops.name
  use_notification_event_bus    = true
  alarm_actions                 = local.every_feature.alarm_actions
}
`;
}

/**
 * The module in Secrets Manager mode, fed only by resources of this configuration: the secret
 * and the admin secret (alternating-users), their KMS key, and the ECS cluster.
 */
function secretsManagerConfiguration(moduleSource: string): string {
  return `
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "this" {
  cidr_block = "10.41.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.41.0.0/24"
}

resource "aws_security_group" "database" {
  name   = "database"
  vpc_id = aws_vpc.this.id
}

resource "aws_kms_key" "secrets" {
  description = "secrets"
}

resource "aws_secretsmanager_secret" "app" {
  name       = "plan/app-db"
  kms_key_id = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret" "admin" {
  name       = "plan/admin-db"
  kms_key_id = aws_kms_key.secrets.arn
}

resource "aws_ecs_cluster" "this" {
  name = "plan-secrets"
}

module "secrets_manager" {
  source = ${JSON.stringify(moduleSource)}

  name                 = "plan-secrets-manager"
  vpc_id               = aws_vpc.this.id
  subnet_ids           = [aws_subnet.private.id]
  db_security_group_id = aws_security_group.database.id
  create_vpc_endpoints = true
  vpc_endpoint_services = ["secretsmanager", "ecs", "kms", "logs"]
  db_host              = "db.plan.internal"
  db_username          = "app"

  secret_store       = "secretsmanager"
  secret_arn         = aws_secretsmanager_secret.app.arn
  secret_kms_key_arn = aws_kms_key.secrets.arn
  use_secret_kms_key = true
  rotation_strategy  = "alternating-users"
  admin_secret_arn   = aws_secretsmanager_secret.admin.arn

  ecs_cluster_name  = aws_ecs_cluster.this.name
  ecs_service_names = ["api"]
}
`;
}

let moto: AwsEmulator | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function endpoint(): string {
  if (!moto) throw new Error("moto is not running");
  return moto.endpoint;
}

test("the module plans when every ID and ARN it is given is created in the same run", () => {
  const dir = mkdtempSync(join(tmpdir(), "tf-plan-unknowns-"));
  dirs.push(dir);
  writeFileSync(join(dir, "main.tf"), rootConfiguration(relative(dir, PROJECT_ROOT)));
  writeEmulatorProviderOverride(dir, endpoint());

  const planned = plannedAddresses(plan(dir));

  // The instances whose keys used to hang on whether an unknown ID was null.
  expect(planned).toEqual(
    expect.arrayContaining([
      'module.by_security_group.aws_vpc_security_group_egress_rule.this["database"]',
      'module.by_security_group.aws_vpc_security_group_egress_rule.this["endpoints"]',
      "module.by_security_group.aws_vpc_security_group_ingress_rule.database[0]",
      'module.by_security_group.aws_vpc_endpoint.this["ssm"]',
      "module.by_security_group.aws_iam_role_policy.this[0]",
      "module.by_security_group.aws_lambda_function.this[0]",
      "module.by_security_group.aws_cloudwatch_dashboard.this[0]",
      'module.by_cidr.aws_vpc_security_group_egress_rule.this["database-10.40.100.0/24"]',
      'module.by_cidr.aws_vpc_security_group_egress_rule.this["https-0.0.0.0/0"]',
    ]),
  );
  expect(planned).not.toContain(
    'module.by_cidr.aws_vpc_security_group_egress_rule.this["database"]',
  );
});

test("Secrets Manager mode plans when the secrets and their key are created in the same run", () => {
  const dir = mkdtempSync(join(tmpdir(), "tf-plan-unknowns-sm-"));
  dirs.push(dir);
  writeFileSync(join(dir, "main.tf"), secretsManagerConfiguration(relative(dir, PROJECT_ROOT)));
  writeEmulatorProviderOverride(dir, endpoint());

  const planned = plannedAddresses(plan(dir));

  expect(planned).toEqual(
    expect.arrayContaining([
      "module.secrets_manager.aws_secretsmanager_secret_rotation.this[0]",
      "module.secrets_manager.aws_lambda_permission.secrets_manager[0]",
      "module.secrets_manager.aws_iam_role_policy.this[0]",
      "module.secrets_manager.aws_cloudwatch_event_rule.resume[0]",
      'module.secrets_manager.aws_vpc_endpoint.this["secretsmanager"]',
    ]),
  );
  // Secrets Manager is the schedule: no rotate rule of the module's own.
  expect(planned).not.toContain("module.secrets_manager.aws_cloudwatch_event_rule.this[0]");
});

const EXAMPLE = join(PROJECT_ROOT, "examples", "complete");

describe.each(
  readdirSync(join(EXAMPLE, "env"))
    .filter((file) => file.endsWith(".tfvars"))
    .sort(),
)("examples/complete with env/%s from an empty state", (tfvarsFile) => {
  test("plans the example and the module in it", () => {
    const dir = stageExampleForEmulator(EXAMPLE, PROJECT_ROOT, endpoint());
    dirs.push(dir);
    const planned = plannedAddresses(plan(dir, join("env", tfvarsFile)));
    expect(planned).toEqual(
      expect.arrayContaining([
        'module.rotation.aws_vpc_security_group_egress_rule.this["database"]',
        "module.rotation.aws_lambda_function.this[0]",
        "aws_db_instance.this",
      ]),
    );
  });
});
