/**
 * What the cdktf tests of the examples share: reading an example's HCL, a stack that consumes
 * the module through TerraformHclModule with the aws provider offline (fake credentials, every
 * endpoint on the local moto server), and the plan Terraform makes of it.
 */
import { parse } from "@cdktf/hcl2json";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformHclModule, TerraformStack, Testing } from "cdktf";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runTerraform } from "../support/terraform";
import { PROJECT_ROOT, expectSuccess } from "./module-files";

export type Values = Record<string, unknown>;

export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
}

export async function parseHcl(path: string): Promise<Record<string, unknown>> {
  return (await parse(path, readFileSync(path, "utf8"))) as Record<string, unknown>;
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

export function removeStackDirs(): void {
  for (const dir of stackDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
