/**
 * One deploy test file's fixture: an example applied to the emulator the way a user applies
 * it, with the function it deployed read back and its code unpacked where Lambda would put it.
 * apply.test.ts (examples/existing-infrastructure) and secrets-manager.test.ts
 * (examples/secrets-manager) differ only in the example, the function's name and what must
 * exist before the example is applied.
 */
import {
  GetFunctionCommand,
  LambdaClient,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectSuccess } from "../module/module-files";
import { stageExampleForEmulator } from "../support/emulator-provider";
import { harness, type Harness } from "../support/harness";
import { runTerraform, type TerraformResult } from "../support/terraform";
import { PROJECT_ROOT } from "../support/tools";
import { unpackBundle, type DeployedCode } from "./deployed-code";
import { startDeployEmulator, type DeployEmulator } from "./emulator";

export interface AppliedExample {
  /** `terraform <args>` in the staged copy; throws with Terraform's output on failure. */
  terraform(args: readonly string[]): TerraformResult;
  /** Removes the staged copy; first destroys, when the emulator is the user's own (LocalStack). */
  dispose(externalEmulator: boolean): void;
}

/**
 * An example folder staged for the emulator (emulator-provider.ts) with `variables` as its
 * terraform.tfvars.json, then `init` and `apply`, exactly as a user runs it.
 */
export function applyExample(
  exampleDir: string,
  endpoint: string,
  variables: Record<string, unknown>,
): AppliedExample {
  const dir = stageExampleForEmulator(exampleDir, PROJECT_ROOT, endpoint);
  const env = { TF_DATA_DIR: join(dir, ".terraform") };
  const terraform = (args: readonly string[]) =>
    expectSuccess(args, runTerraform(args, { cwd: dir, env }));
  writeFileSync(join(dir, "terraform.tfvars.json"), JSON.stringify(variables, null, 2));
  terraform(["init", "-input=false", "-no-color"]);
  terraform(["apply", "-auto-approve", "-input=false", "-no-color"]);
  return {
    terraform,
    dispose(externalEmulator) {
      // After a failure, a user's own emulator is left tidy; ours just stops.
      if (externalEmulator)
        runTerraform(["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: dir, env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DeployedExample<Infra> {
  /** What existed before the example was applied (fixture.ts). */
  readonly infra: Infra;
  /** The deployed function, as GetFunction returned it right after apply. */
  readonly deployed: FunctionConfiguration;
  /** A client of the emulator the example was applied to. */
  readonly lambda: LambdaClient;
  /** The deployed code, to run with invokeDeployed. */
  readonly code: DeployedCode;
  /** `terraform <args>` in the applied example's folder; throws on failure. */
  terraform(args: readonly string[]): TerraformResult;
}

export interface DeployedExampleSpec<Infra extends ExampleInfrastructure> {
  /** The folder under examples/. */
  readonly example: string;
  /** The function the example deploys. */
  readonly functionName: string;
  /** Creates what the example expects to exist; returns its terraform.tfvars.json. */
  createInfrastructure(h: Harness): Promise<Infra>;
}

interface ExampleInfrastructure {
  /** The example's variables (terraform.tfvars.json). */
  readonly variables: Record<string, unknown>;
}

/**
 * Registers the calling test file's beforeAll and afterAll: an emulator of its own
 * (emulator.ts), the infrastructure the example expects, `init` + `apply`, the function read
 * back, the bundle unpacked; afterwards everything removed and the emulator stopped. The
 * result's properties throw until beforeAll has deployed the example.
 */
export function deployedExample<Infra extends ExampleInfrastructure>(
  spec: DeployedExampleSpec<Infra>,
): DeployedExample<Infra> {
  const h = harness();
  let emulator: DeployEmulator | undefined;
  let lambda: LambdaClient | undefined;
  let example: AppliedExample | undefined;
  let taskRoot: string | undefined;
  let ready: Omit<DeployedExample<Infra>, "terraform"> | undefined;

  beforeAll(async () => {
    const { endpoint } = (emulator = await startDeployEmulator());
    const client = (lambda = new LambdaClient({}));
    const infra = await spec.createInfrastructure(h);
    example = applyExample(join(PROJECT_ROOT, "examples", spec.example), endpoint, infra.variables);
    const deployed = (
      await client.send(new GetFunctionCommand({ FunctionName: spec.functionName }))
    ).Configuration as FunctionConfiguration;
    // The deployed code, unpacked where the Lambda runtime would put it (LAMBDA_TASK_ROOT).
    taskRoot = unpackBundle();
    const code = { config: deployed, taskRoot, endpoint, region: h.aws.region };
    ready = { infra, deployed, lambda: client, code };
  });

  afterAll(async () => {
    example?.dispose(h.aws.external);
    if (taskRoot) rmSync(taskRoot, { recursive: true, force: true });
    lambda?.destroy();
    await emulator?.stop();
  });

  const get = () => {
    if (!ready)
      throw new Error(`examples/${spec.example} was not deployed (see beforeAll's error)`);
    return ready;
  };
  return {
    get infra() {
      return get().infra;
    },
    get deployed() {
      return get().deployed;
    },
    get lambda() {
      return get().lambda;
    },
    get code() {
      return get().code;
    },
    terraform(args) {
      if (!example) throw new Error(`examples/${spec.example} was not applied`);
      return example.terraform(args);
    },
  };
}
