/**
 * What the cdktf tests of the examples share: reading an example's values and the inputs it
 * gives the module, the offline Terraform they run under (the local moto server, the provider
 * mirror), a stack that consumes the module through TerraformHclModule with the aws provider
 * offline (fake credentials, every endpoint on moto), and the plan Terraform makes of it.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformHclModule, TerraformStack, Testing } from "cdktf";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { startMoto, type AwsEmulator } from "../support/moto";
import { runTerraform, terraformEnv } from "../support/terraform";
import { PROJECT_ROOT, expectSuccess, parseHcl } from "./module-files";

export type Values = Record<string, unknown>;

export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
}

/**
 * An example's variable values: the defaults from `dir`/variables.tf, then `tfvarsFile`
 * (relative to `dir`). A variable with neither fails, as `terraform plan` would.
 */
export async function exampleValues(dir: string, tfvarsFile: string): Promise<Values> {
  const variables = (await parseHcl(join(dir, "variables.tf"))).variable as Record<
    string,
    Values[]
  >;
  const defaults = Object.fromEntries(
    Object.entries(variables).flatMap(([name, [body]]) =>
      body && "default" in body ? [[name, body.default]] : [],
    ),
  );
  const values: Values = { ...defaults, ...(await parseHcl(resolve(dir, tfvarsFile))) };
  const unset = Object.keys(variables).filter((name) => !(name in values));
  if (unset.length > 0)
    throw new Error(`${tfvarsFile} sets no value for ${unset.join(", ")}, which have no default`);
  return values;
}

/**
 * The inputs `file`'s `module "rotation"` block gives the module: a `var.X` argument takes
 * the example's value, every other argument what `resolve` says it evaluates to. `resolve`
 * throws for an argument it does not know, so a stack cannot drift from its example unnoticed.
 */
export async function moduleInputs(
  file: string,
  values: Values,
  resolve: (name: string, expression: unknown) => unknown,
): Promise<Values> {
  const modules = (await parseHcl(file)).module as Record<string, Values[]>;
  const { source, ...args } = modules.rotation?.[0] ?? {};
  expect(source).toBe("../..");
  const inputs: Values = {};
  for (const [name, expression] of Object.entries(args)) {
    const variable =
      typeof expression === "string"
        ? /^\$\{var\.([a-z0-9_]+)\}$/.exec(expression)?.[1]
        : undefined;
    if (variable !== undefined && !(variable in values))
      throw new Error(
        `${file} passes ${name} = var.${variable}, which the example does not declare`,
      );
    inputs[name] = variable === undefined ? resolve(name, expression) : values[variable];
  }
  return inputs;
}

/**
 * Registers the hooks of a file that plans offline: moto up before its tests, and process.env
 * set to the offline CLI config (provider mirror, shared plugin cache), since the Testing
 * matchers run `terraform init/validate/plan` with process.env. Afterwards restores the
 * environment, stops moto and removes the synthesized stacks.
 */
export function useOfflineTerraform(): { readonly endpoint: string } {
  let moto: AwsEmulator | undefined;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, terraformEnv());
  });
  afterAll(async () => {
    process.env = savedEnv;
    await moto?.stop();
    removeStackDirs();
  });
  return {
    get endpoint(): string {
      if (!moto) throw new Error("moto is not running: read endpoint inside a test or hook");
      return moto.endpoint;
    },
  };
}

/** Every AWS API the provider calls while planning the module. */
const SERVICES = [
  "sts",
  "iam",
  "lambda",
  "ec2",
  "ssm",
  "ecs",
  "logs",
  "cloudwatch",
  "events",
  "kms",
];

/** Folders the stacks were synthesized to; `removeStackDirs` deletes them. */
const stackDirs: string[] = [];

/** A stack "rotation": the aws provider on `endpoint`, and the module given `inputs`. */
export function rotationStack(region: string, inputs: Values, endpoint: string): TerraformStack {
  const app = Testing.app();
  stackDirs.push(app.outdir);
  const stack = new TerraformStack(app, "rotation");
  new AwsProvider(stack, "aws", {
    region,
    accessKey: "AKIAIOSFODNN7EXAMPLE",
    secretKey: "offline-test-secret-not-a-real-key",
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
    endpoints: [Object.fromEntries(SERVICES.map((service) => [service, endpoint]))],
  });
  new TerraformHclModule(stack, "rotation", {
    // Terraform uses a ./ or ../ module in place (an absolute path would be copied, node_modules
    // and all). Testing.fullSynth writes to <tmpdir>/cdktf.outdir.<random>/stacks/rotation.
    source: relative(join(tmpdir(), "cdktf.outdir.x", "stacks", "rotation"), PROJECT_ROOT),
    skipAssetCreationFromLocalModules: true,
    variables: inputs,
  });
  return stack;
}

/**
 * Synthesizes `stack`, expects it valid and to plan successfully, and returns the module's
 * resources in that plan. Terraform appends TF_CLI_ARGS_plan to the matcher's `terraform
 * plan`, so the plan read back is the one the matcher proved (one plan, not two).
 */
export function expectPlannedResources(stack: TerraformStack): PlannedResource[] {
  const outdir = Testing.fullSynth(stack);
  stackDirs.push(outdir);
  expect(outdir).toBeValidTerraform();
  process.env.TF_CLI_ARGS_plan = "-out=tfplan";
  try {
    expect(outdir).toPlanSuccessfully();
  } finally {
    delete process.env.TF_CLI_ARGS_plan;
  }
  const show = ["show", "-json", "tfplan"];
  const stackDir = join(outdir, "stacks", "rotation");
  const json = JSON.parse(expectSuccess(show, runTerraform(show, { cwd: stackDir })).stdout) as {
    planned_values: { root_module: { child_modules?: Array<{ resources?: PlannedResource[] }> } };
  };
  return (json.planned_values.root_module.child_modules ?? []).flatMap((m) => m.resources ?? []);
}

function removeStackDirs(): void {
  for (const dir of stackDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
