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
import {
  exampleValues,
  expectPlannedResources,
  moduleInputs,
  rotationStack,
  useOfflineTerraform,
  type Values,
} from "./cdktf-stack";
import { PROJECT_ROOT } from "./module-files";

setupJest();

const EXAMPLE = join(PROJECT_ROOT, "examples", "alternating-users");

/**
 * The module's inputs as main.tf passes them: `var.X` takes the value, literals stay, and
 * the expressions that are not a variable get what they evaluate to. Anything else
 * fails the test, so the stack cannot drift from the example unnoticed.
 */
function alternatingInputs(values: Values): Promise<Values> {
  const evaluated: Record<string, unknown> = {
    "${aws_ssm_parameter.username.name}": values.username_parameter_name,
    "${var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]}": [values.alarm_topic_arn],
    "${var.parameter_kms_key_arn != null}": values.parameter_kms_key_arn != null,
    "${var.admin_parameter_kms_key_arn != null}": values.admin_parameter_kms_key_arn != null,
  };
  return moduleInputs(join(EXAMPLE, "main.tf"), values, (name, expression) => {
    if (typeof expression === "string" && expression in evaluated) return evaluated[expression];
    if (typeof expression !== "string" || !expression.includes("${")) return expression;
    throw new Error(`examples/alternating-users passes ${name} = ${expression}: evaluate it`);
  });
}

const offline = useOfflineTerraform();
let values: Values;
let inputs: Values;
let stack: TerraformStack;

beforeAll(async () => {
  values = await exampleValues(EXAMPLE, "terraform.tfvars.example");
  inputs = await alternatingInputs(values);
  stack = rotationStack(String(values.region), inputs, offline.endpoint);
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
