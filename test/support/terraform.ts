/**
 * Runs the Terraform CLI the way every test should: with the CLI config setup wrote (the
 * provider mirror for what it holds, registries for the rest), and no prompts, update checks
 * or colour codes in the output.
 */
import { spawnSync } from "node:child_process";
import { tools } from "./tools";

/** process.env plus the settings that make Terraform use setup's CLI config and plugin cache. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { tfCliConfigFile, tfPluginCacheDir } = tools();
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: tfCliConfigFile,
    TF_PLUGIN_CACHE_DIR: tfPluginCacheDir,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    NO_COLOR: "1",
    ...extra,
  };
}

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TerraformOptions {
  readonly cwd: string;
  /** Added to terraformEnv(), e.g. TF_DATA_DIR to keep parallel runs apart. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * `terraform <args>` in `cwd`. Never throws for a non-zero exit: tests assert on `code` and
 * the output. Pass `-no-color` yourself where a subcommand supports it.
 */
export function runTerraform(args: readonly string[], options: TerraformOptions): TerraformResult {
  const result = spawnSync(tools().terraformBin, args, {
    cwd: options.cwd,
    env: terraformEnv(options.env),
    encoding: "utf8",
    timeout: options.timeoutMs ?? 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
