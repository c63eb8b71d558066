/**
 * Paths and versions of the external tools the tests use, as scripts/setup.mjs found or
 * installed them. Reading one file keeps tests free of PATH lookups and version guessing.
 * `setup.mjs demo` installs only the emulator; `setup.mjs test` (what `npm test` runs) all.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "..", "..");
export const TOOLS_FILE = join(PROJECT_ROOT, ".cache", "tools.json");

/** What `setup.mjs demo` provides: the AWS emulator. */
export interface EmulatorTools {
  readonly motoServerBin: string;
}

/** What `setup.mjs test` provides on top. */
export interface Tools extends EmulatorTools {
  readonly terraformBin: string;
  readonly terraformVersion: string;
  /** CLI config: the offline mirror for the providers it holds, their registries for the rest. */
  readonly tfCliConfigFile: string;
  readonly tfPluginCacheDir: string;
  /** Null when the machine has no provider mirror. */
  readonly providerMirror: string | null;
  readonly checkovBin: string;
  /** A `node` for each Node.js major of the Lambda runtimes the module accepts, by major. */
  readonly lambdaNodeBins: Readonly<Record<string, string>>;
}

export class ToolsMissingError extends Error {
  override readonly name = "ToolsMissingError";
}

function readToolsFile(setupCommand: string): Partial<Tools> {
  if (!existsSync(TOOLS_FILE)) {
    throw new ToolsMissingError(
      `${TOOLS_FILE} is missing: run \`${setupCommand}\` (npm test and npm run demo run it for you)`,
    );
  }
  return JSON.parse(readFileSync(TOOLS_FILE, "utf8")) as Partial<Tools>;
}

/** Every file listed must exist; names the setup command that installs it otherwise. */
function checkFiles(files: readonly (string | undefined)[], setupCommand: string): void {
  for (const file of files) {
    if (!file || !existsSync(file)) {
      throw new ToolsMissingError(
        `${file ?? "a tool"} (from ${TOOLS_FILE}) is missing: run \`${setupCommand}\``,
      );
    }
  }
}

let emulatorCached: EmulatorTools | undefined;
let cached: Tools | undefined;

/** The emulator only: enough for the demo, the benchmark and the integration tests. */
export function emulatorTools(): EmulatorTools {
  if (emulatorCached) return emulatorCached;
  const command = "node scripts/setup.mjs demo";
  const parsed = readToolsFile(command);
  checkFiles([parsed.motoServerBin], command);
  emulatorCached = parsed as EmulatorTools;
  return emulatorCached;
}

/** Everything `npm test` needs. Throws ToolsMissingError, naming the fix, when setup has not run. */
export function tools(): Tools {
  if (cached) return cached;
  const command = "npm run setup";
  const parsed = readToolsFile(command);
  checkFiles(
    [
      parsed.motoServerBin,
      parsed.terraformBin,
      parsed.tfCliConfigFile,
      parsed.checkovBin,
      ...Object.values(parsed.lambdaNodeBins ?? { missing: undefined }),
    ],
    command,
  );
  cached = parsed as Tools;
  return cached;
}

/** The `node` of a Lambda runtime such as "nodejs22.x". */
export function lambdaNodeBin(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const bin = major ? tools().lambdaNodeBins[major] : undefined;
  if (!bin) {
    throw new ToolsMissingError(
      `no Node.js for Lambda runtime "${runtime}" in ${TOOLS_FILE}: setup installs one per runtime ` +
        'that variables.tf\'s "runtime" accepts; run `npm run setup`',
    );
  }
  return bin;
}
