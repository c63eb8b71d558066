/**
 * Where the module's Terraform lives, how a test reads its HCL, and a throwaway working
 * directory per Terraform run so that tests leave no .terraform folders or lock files in the
 * checkout.
 */
import { parse } from "@cdktf/hcl2json";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { PROJECT_ROOT } from "../support/tools";
import { runTerraform, type TerraformResult } from "../support/terraform";

export { PROJECT_ROOT };

export const EXAMPLES_DIR = join(PROJECT_ROOT, "examples");

/** Every example folder (one use case each). */
export function exampleDirs(): string[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(EXAMPLES_DIR, entry.name))
    .filter((dir) => readdirSync(dir).some((file) => file.endsWith(".tf")));
}

/**
 * Copies what a module user downloads from the registry and the HCL reads at plan time: the root
 * *.tf files, the bundle (dist/) and the events the schedules send (events/).
 */
export function copyModule(destination: string): void {
  for (const file of readdirSync(PROJECT_ROOT).filter((f) => f.endsWith(".tf"))) {
    cpSync(join(PROJECT_ROOT, file), join(destination, file));
  }
  for (const dir of ["dist", "events"]) {
    cpSync(join(PROJECT_ROOT, dir), join(destination, dir), { recursive: true });
  }
}

/**
 * A call of the module from a configuration in `callerDir`, as a user writes it: the source and
 * the required inputs (all but `name`, which a test may omit), then `extra` argument lines.
 */
export function moduleCall(label: string, callerDir: string, extra: readonly string[]): string {
  return [
    `module "${label}" {`,
    `  source                  = ${JSON.stringify(relative(callerDir, PROJECT_ROOT))}`,
    ...extra,
    '  vpc_id                  = "vpc-0123456789abcdef0"',
    '  subnet_ids              = ["subnet-0aaaaaaaaaaaaaaaa"]',
    '  db_security_group_id    = "sg-0dddddddddddddddd"',
    '  db_host                 = "orders.abc123.eu-west-1.rds.amazonaws.com"',
    '  db_username             = "orders_app"',
    '  password_parameter_name = "/orders/prod/db/password"',
    "}",
  ].join("\n");
}

/** An HCL file as hcl2json reads it (blocks become arrays); `file` may be relative to the root. */
export async function parseHcl(file: string): Promise<Record<string, unknown>> {
  const path = resolve(PROJECT_ROOT, file);
  return (await parse(path, readFileSync(path, "utf8"))) as Record<string, unknown>;
}

export class TerraformFailed extends Error {
  override readonly name = "TerraformFailed";
}

/** Throws with Terraform's own output when a command fails, so a red test says why. */
export function expectSuccess(args: readonly string[], result: TerraformResult): TerraformResult {
  if (result.code !== 0) {
    throw new TerraformFailed(
      `terraform ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

export interface Workdir {
  readonly env: NodeJS.ProcessEnv;
  run(args: readonly string[]): TerraformResult;
  /** Removes the data dir, and the lock file init wrote into the configuration if there was none. */
  cleanup(): void;
}

/**
 * A Terraform configuration in the checkout, initialised offline (-backend=false) with its
 * .terraform data in a temp folder. Providers come from the shared plugin cache.
 */
export function initWorkdir(configDir: string): Workdir {
  const dataDir = mkdtempSync(join(tmpdir(), "tf-data-"));
  const lockFile = join(configDir, ".terraform.lock.hcl");
  const hadLockFile = existsSync(lockFile);
  const env = { TF_DATA_DIR: dataDir };
  const run = (args: readonly string[]) => runTerraform(args, { cwd: configDir, env });
  const initArgs = ["init", "-backend=false", "-input=false", "-no-color"];
  expectSuccess(initArgs, run(initArgs));
  return {
    env,
    run,
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (!hadLockFile) rmSync(lockFile, { force: true });
    },
  };
}
