/**
 * Paths and versions of the external tools the tests use, as scripts/setup.mjs found or
 * installed them. Reading one file keeps tests free of PATH lookups and version guessing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "..", "..");
export const TOOLS_FILE = join(PROJECT_ROOT, ".cache", "tools.json");

export interface Tools {
  readonly terraformBin: string;
  readonly terraformVersion: string;
  /** CLI config that installs providers from the offline mirror only. */
  readonly tfCliConfigFile: string;
  readonly tfPluginCacheDir: string;
  readonly providerMirror: string;
  readonly awsProviderVersions: readonly string[];
  readonly venvDir: string;
  readonly venvBin: string;
  readonly venvPython: string;
  readonly motoServerBin: string;
  readonly checkovBin: string;
}

export class ToolsMissingError extends Error {
  override readonly name = "ToolsMissingError";
}

let cached: Tools | undefined;

/** The tools setup found. Throws ToolsMissingError, naming the fix, when setup has not run. */
export function tools(): Tools {
  if (cached) return cached;
  if (!existsSync(TOOLS_FILE)) {
    throw new ToolsMissingError(
      `${TOOLS_FILE} is missing: run \`npm run setup\` (npm test runs it for you)`,
    );
  }
  const parsed = JSON.parse(readFileSync(TOOLS_FILE, "utf8")) as Tools;
  for (const file of [
    parsed.terraformBin,
    parsed.tfCliConfigFile,
    parsed.motoServerBin,
    parsed.checkovBin,
  ]) {
    if (!existsSync(file)) {
      throw new ToolsMissingError(
        `${file} (listed in ${TOOLS_FILE}) is missing: run \`npm run setup\` again`,
      );
    }
  }
  cached = parsed;
  return parsed;
}
