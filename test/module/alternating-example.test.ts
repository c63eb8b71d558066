/**
 * examples/alternating-users consumed from CDK for Terraform: a stack wires the module with
 * the inputs the example gives it under terraform.tfvars.example, then cdktf's Testing
 * matchers check the synthesized stack, `terraform validate`, and a real `terraform plan`
 * offline (fake credentials, every endpoint on the local moto server; see cdktf.test.ts).
 * The plan must carry the strategy into the function's environment and its permissions.
 */
import { TerraformStack, Testing } from "cdktf";
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { join } from "node:path";
import { startMoto, type AwsEmulator } from "../support/moto";
import { terraformEnv } from "../support/terraform";
import {
  expectPlannedResources,
  parseHcl,
  removeStackDirs,
  rotationStack,
  type Values,
} from "./cdktf-stack";
import { PROJECT_ROOT } from "./module-files";

setupJest();

const EXAMPLE = join(PROJECT_ROOT, "examples", "alternating-users");

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

let moto: AwsEmulator;
let values: Values;
let inputs: Values;
let stack: TerraformStack;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, terraformEnv());
  values = await exampleValues();
  inputs = await moduleInputs(values);
  stack = rotationStack(String(values.region), inputs, moto.endpoint);
});

afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
  removeStackDirs();
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
  const resources = expectPlannedResources(stack);
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
