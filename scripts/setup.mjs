#!/usr/bin/env node
/**
 * One-shot, idempotent setup for a fresh clone: `npm test`, `npm run demo` and `npm run bench`
 * run it first. It installs what the project itself owns (node_modules, a Python virtualenv
 * with the pinned moto server and checkov) and locates what the machine must provide (the
 * Terraform CLI and an offline mirror of the hashicorp/aws provider). The result is written
 * to .cache/tools.json, which test/support/tools.ts reads; nothing is exported globally.
 *
 * Each step is skipped when a stamp shows it is current, so a warm run takes about a second.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, ".cache");
const started = Date.now();

const log = (message) => console.log(`setup: ${message}`);

class SetupError extends Error {}

const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");
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
  const lockHash = sha256(lockFile);

  if (readIfExists(stampFile) === lockHash) {
    log("node_modules is current");
    return;
  }
  if (nodeModulesMatchLock(lockFile, join(nodeModules, ".package-lock.json"))) {
    log("node_modules matches package-lock.json");
  } else {
    log(existsSync(nodeModules) ? "node_modules is out of date: running npm ci" : "running npm ci");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    run(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root });
  }
  writeFileSync(stampFile, `${lockHash}\n`);
}

// ---------------------------------------------------------------------------------------------
// Python tools (moto server, checkov)

/** pip on this kind of machine warns about every package missing from its local extra indexes. */
const PIP_NOISE = /^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.$/;

function ensureVenv() {
  const requirements = join(root, "test", "support", "requirements.txt");
  const venv = join(cacheDir, "venv");
  const bin = join(venv, process.platform === "win32" ? "Scripts" : "bin");
  const python = join(bin, "python");
  const stampFile = join(venv, ".requirements-sha256");
  const wanted = sha256(requirements);
  const tools = {
    venvDir: venv,
    venvBin: bin,
    venvPython: python,
    motoServerBin: join(bin, "moto_server"),
    checkovBin: join(bin, "checkov"),
  };

  if (
    readIfExists(stampFile) === wanted &&
    existsSync(tools.motoServerBin) &&
    existsSync(tools.checkovBin)
  ) {
    log(`python tools are current (${venv})`);
    return tools;
  }
  const installStarted = Date.now();
  if (!existsSync(python)) {
    log(`creating virtualenv ${venv}`);
    run("python3", ["-m", "venv", venv]);
  }
  log(`installing ${requirements} (a cold install takes about a minute)`);
  const pip = spawnSync(
    python,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const output = `${pip.stdout ?? ""}${pip.stderr ?? ""}`
    .split("\n")
    .filter((line) => line.trim() !== "" && !PIP_NOISE.test(line));
  if (output.length > 0) console.log(output.join("\n"));
  if (pip.error || pip.status !== 0) {
    throw new SetupError(
      `pip could not install ${requirements} into ${venv} (see pip's output above)`,
    );
  }
  for (const tool of [tools.motoServerBin, tools.checkovBin]) {
    if (!existsSync(tool)) throw new SetupError(`pip finished but ${tool} is missing`);
  }
  writeFileSync(stampFile, `${wanted}\n`);
  log(`python tools installed in ${((Date.now() - installStarted) / 1000).toFixed(1)} s`);
  return tools;
}

// ---------------------------------------------------------------------------------------------
// Terraform CLI and the offline provider mirror

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
      "the Terraform CLI is missing: install terraform (>= 1.11) on PATH or set TERRAFORM_BIN to its path",
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

const awsProviderDir = (mirror) => join(mirror, "registry.terraform.io", "hashicorp", "aws");

function awsProviderVersions(mirror) {
  const dir = awsProviderDir(mirror);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d+\.\d+\.\d+/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

const KNOWN_MIRRORS = [
  "/opt/tf-plugins",
  "/usr/share/terraform/plugins",
  "/usr/local/share/terraform/plugins",
  join(homedir(), ".terraform.d", "plugins"),
  join(homedir(), ".local", "share", "terraform", "plugins"),
];

/** The mirror to use and the hashicorp/aws versions it holds (at least one). */
function locateProviderMirror() {
  const fromEnv = process.env.TF_PROVIDER_MIRROR;
  if (fromEnv) {
    const versions = awsProviderVersions(fromEnv);
    if (versions.length === 0) {
      throw new SetupError(
        `TF_PROVIDER_MIRROR=${fromEnv} has no ${join("registry.terraform.io", "hashicorp", "aws", "<version>")} folder`,
      );
    }
    return { mirror: fromEnv, versions };
  }
  for (const mirror of KNOWN_MIRRORS) {
    const versions = awsProviderVersions(mirror);
    if (versions.length > 0) return { mirror, versions };
  }
  throw new SetupError(
    "the hashicorp/aws provider mirror is missing: no registry.terraform.io/hashicorp/aws/<version>/ under " +
      `${KNOWN_MIRRORS.join(", ")}. Create one with \`terraform providers mirror <dir>\` on a machine ` +
      "that reaches the registry, then set TF_PROVIDER_MIRROR=<dir>",
  );
}

/** HCL string literal: JSON escaping is a valid subset of HCL's for paths. */
const hclString = (value) => JSON.stringify(value);

function writeTerraformCliConfig(mirror) {
  const dir = join(cacheDir, "terraform");
  const pluginCacheDir = join(dir, "plugin-cache");
  mkdirSync(pluginCacheDir, { recursive: true });
  const cliConfigFile = join(dir, "cli.tfrc");
  // Only the mirror serves registry.terraform.io: no registry is reachable in CI, and a
  // provider missing from the mirror should fail loudly at `init`, not hang on the network.
  const content = `# Written by scripts/setup.mjs; do not edit.
plugin_cache_dir = ${hclString(pluginCacheDir)}

provider_installation {
  filesystem_mirror {
    path    = ${hclString(mirror)}
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`;
  if (readIfExists(cliConfigFile) !== content.trim()) writeFileSync(cliConfigFile, content);
  return { cliConfigFile, pluginCacheDir };
}

// ---------------------------------------------------------------------------------------------

function main() {
  mkdirSync(cacheDir, { recursive: true });
  ensureNodeModules();
  const python = ensureVenv();

  const terraformBin = locateTerraform();
  const version = terraformVersion(terraformBin);
  const { mirror: providerMirror, versions } = locateProviderMirror();
  const { cliConfigFile, pluginCacheDir } = writeTerraformCliConfig(providerMirror);
  log(
    `terraform ${version} at ${terraformBin}; aws provider ${versions.join(", ")} from ${providerMirror}`,
  );

  const tools = {
    terraformBin,
    terraformVersion: version,
    tfCliConfigFile: cliConfigFile,
    tfPluginCacheDir: pluginCacheDir,
    providerMirror,
    awsProviderVersions: versions,
    ...python,
  };
  const toolsFile = join(cacheDir, "tools.json");
  const json = `${JSON.stringify(tools, null, 2)}\n`;
  if (readIfExists(toolsFile) !== json.trim()) writeFileSync(toolsFile, json);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; tool paths in ${toolsFile}`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`setup: ERROR: ${error.message}`);
  process.exit(1);
}
