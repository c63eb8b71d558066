/**
 * examples/alternating-users consumed from CDK for Terraform: a stack wires the module with
 * the inputs the example gives it under terraform.tfvars.example, then cdktf's Testing
 * matchers check the synthesized stack, `terraform validate`, and a real `terraform plan`
 * offline (fake credentials, every endpoint on the local moto server; see cdktf.test.ts).
 * The plan must carry the strategy into the function's environment and its permissions.
 */
import { parse } from "@cdktf/hcl2json";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformHclModule, TerraformStack, Testing } from "cdktf";
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { startMoto, type AwsEmulator } from "../support/moto";
import { runTerraform, terraformEnv } from "../support/terraform";
import { PROJECT_ROOT, expectSuccess } from "./module-files";

setupJest();

const EXAMPLE = join(PROJECT_ROOT, "examples", "alternating-users");

type Values = Record<string, unknown>;

async function parseHcl(path: string): Promise<Record<string, unknown>> {
  return (await parse(path, readFileSync(path, "utf8"))) as Record<string, unknown>;
}

/** The example's variable values: defaults from variables.tf, then terraform.tfvars.example. */
async function exampleValues(): Promise<Values> {
  const variables = (await parseHcl(join(EXAMPLE, "variables.tf"))).variable as Record<
    string,
    Values[]
  >;
  const defaults = Object.fromEntries(
    Object.entries(variables).map(([name, [body]]) => [name, body?.default ?? null]),
  );
  return { ...defaults, ...(await parseHcl(join(EXAMPLE, "terraform.tfvars.example"))) };
}

/**
 * The module's inputs as main.tf passes them: `var.X` takes the value, literals stay, and
 * the two expressions that are not a variable get what they evaluate to. Anything else
 * fails the test, so the stack cannot drift from the example unnoticed.
 */
async function moduleInputs(values: Values): Promise<Values> {
  const modules = (await parseHcl(join(EXAMPLE, "main.tf"))).module as Record<string, Values[]>;
  const { source, ...args } = modules.rotation?.[0] ?? {};
  expect(source).toBe("../..");
  const evaluated: Record<string, unknown> = {
    "${aws_ssm_parameter.username.name}": values.username_parameter_name,
    "${var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]}": [values.alarm_topic_arn],
  };
  const inputs: Values = {};
  for (const [name, expression] of Object.entries(args)) {
    const variable =
      typeof expression === "string"
        ? /^\$\{var\.([a-z0-9_]+)\}$/.exec(expression)?.[1]
        : undefined;
    if (variable) inputs[name] = values[variable];
    else if (typeof expression === "string" && expression in evaluated)
      inputs[name] = evaluated[expression];
    else if (typeof expression !== "string" || !expression.includes("${"))
      inputs[name] = expression;
    else throw new Error(`examples/alternating-users passes ${name} = ${expression}: evaluate it`);
  }
  return inputs;
}

interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
}

let moto: AwsEmulator;
let values: Values;
let inputs: Values;
let stack: TerraformStack;
const tempDirs: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, terraformEnv());
  values = await exampleValues();
  inputs = await moduleInputs(values);
  const app = Testing.app();
  tempDirs.push(app.outdir);
  stack = new TerraformStack(app, "rotation");
  new AwsProvider(stack, "aws", {
    region: String(values.region),
    accessKey: "AKIAIOSFODNN7EXAMPLE",
    secretKey: "offline-test-secret-not-a-real-key",
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
    endpoints: [
      Object.fromEntries(
        ["sts", "iam", "lambda", "ec2", "ssm", "ecs", "logs", "cloudwatch", "events", "kms"].map(
          (service) => [service, moto.endpoint],
        ),
      ),
    ],
  });
  new TerraformHclModule(stack, "rotation", {
    source: relative(join(tmpdir(), "cdktf.outdir.x", "stacks", "rotation"), PROJECT_ROOT),
    skipAssetCreationFromLocalModules: true,
    variables: inputs,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

test("the example passes the strategy, the admin and username parameters to the module", () => {
  expect(inputs).toMatchObject({
    strategy: "alternating-users",
    admin_parameter_name: values.admin_parameter_name,
    username_parameter_name: values.username_parameter_name,
    db_username: values.db_username,
  });
  const module = (JSON.parse(Testing.synth(stack)) as { module: Record<string, Values> }).module
    .rotation;
  expect(module).toMatchObject({ strategy: "alternating-users" });
});

test("is valid Terraform and plans successfully offline, with the strategy in the environment", () => {
  const outdir = Testing.fullSynth(stack);
  tempDirs.push(outdir);
  expect(outdir).toBeValidTerraform();
  process.env.TF_CLI_ARGS_plan = "-out=tfplan";
  try {
    expect(outdir).toPlanSuccessfully();
  } finally {
    delete process.env.TF_CLI_ARGS_plan;
  }
  const show = ["show", "-json", "tfplan"];
  const stackDir = join(outdir, "stacks", "rotation");
  const plan = JSON.parse(expectSuccess(show, runTerraform(show, { cwd: stackDir })).stdout) as {
    planned_values: { root_module: { child_modules?: Array<{ resources?: PlannedResource[] }> } };
  };
  const resources = (plan.planned_values.root_module.child_modules ?? []).flatMap(
    (m) => m.resources ?? [],
  );
  const fn = resources.find((r) => r.type === "aws_lambda_function");
  const environment = (fn?.values.environment as Array<{ variables: Record<string, string> }>)[0]
    ?.variables;
  expect(environment).toMatchObject({
    ROTATION_STRATEGY: "alternating-users",
    ADMIN_PARAMETER: values.admin_parameter_name,
    USERNAME_PARAMETER: values.username_parameter_name,
    DB_TWIN_USER: "",
    DB_USER: values.db_username,
  });
});
