/**
 * Points a Terraform configuration's aws provider at an AWS emulator (moto) without editing
 * it: Terraform merges a `*_override.tf` file into the configuration's own `provider "aws"`
 * block, so the configuration under test stays byte for byte what users run.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/** The file name writeEmulatorProviderOverride writes; delete it to restore the configuration. */
export const EMULATOR_OVERRIDE_FILE = "emulator_override.tf";

/**
 * Every AWS API that the module and its examples reach while planning or applying, by the
 * provider's `endpoints` argument name. A service missing here would go to real AWS.
 */
export const EMULATED_SERVICES = [
  "cloudwatch",
  "ec2",
  "ecs",
  "events",
  "iam",
  "kms",
  "lambda",
  "logs",
  "rds",
  "secretsmanager",
  "sns",
  "ssm",
  "sts",
] as const;

export interface EmulatorOverrideOptions {
  /**
   * Also replace the configuration's backend with a local state file in `dir`, so that a
   * configuration with a remote backend (S3) can be planned and applied against the emulator.
   */
  readonly localBackend?: boolean;
}

/**
 * Writes `dir`/emulator_override.tf: fake credentials, no credential, metadata or region
 * checks, and every service in EMULATED_SERVICES on `endpoint`. The configuration must
 * declare its own `provider "aws"` block (an override only merges into an existing one).
 * Returns the file's path.
 */
export function writeEmulatorProviderOverride(
  dir: string,
  endpoint: string,
  options: EmulatorOverrideOptions = {},
): string {
  const endpoints = EMULATED_SERVICES.map(
    (service) => `    ${service} = ${JSON.stringify(endpoint)}`,
  );
  const lines = [
    "# Written by test/support/emulator-provider.ts: the aws provider talks to an emulator.",
    'provider "aws" {',
    '  access_key                  = "AKIAIOSFODNN7EXAMPLE"',
    '  secret_key                  = "emulator-test-secret-not-a-real-key"',
    "  skip_credentials_validation = true",
    "  skip_metadata_api_check     = true",
    "  skip_region_validation      = true",
    // The account ID comes from the emulator's sts:GetCallerIdentity, as it would from AWS.
    "  skip_requesting_account_id  = false",
    "  endpoints {",
    ...endpoints,
    "  }",
    "}",
    ...(options.localBackend
      ? ["", "terraform {", '  backend "local" {', '    path = "terraform.tfstate"', "  }", "}"]
      : []),
    "",
  ];
  const file = join(dir, EMULATOR_OVERRIDE_FILE);
  writeFileSync(file, lines.join("\n"));
  return file;
}

/**
 * A copy of an example folder (`exampleDir`, whose module block says `source = "../.."`) in a
 * new temp folder, with that source rewritten to the relative path back to `moduleDir`, and
 * the emulator override and a local backend added. Terraform uses a relative module source in
 * place, so the module under test is the checkout's own; the checkout is never written to.
 * The caller removes the returned folder.
 */
export function stageExampleForEmulator(
  exampleDir: string,
  moduleDir: string,
  endpoint: string,
): string {
  const dir = mkdtempSync(join(tmpdir(), "tf-emulated-"));
  cpSync(exampleDir, dir, {
    recursive: true,
    filter: (source) => !/[\\/](\.terraform|terraform\.tfstate[^\\/]*)$/.test(source),
  });
  const source = `source = ${JSON.stringify(relative(dir, moduleDir))}`;
  let rewritten = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".tf"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const next = text.replace(/source\s*=\s*"\.\.\/\.\."/g, () => {
      rewritten += 1;
      return source;
    });
    if (next !== text) writeFileSync(join(dir, file), next);
  }
  if (rewritten === 0)
    throw new Error(
      `${exampleDir} has no module block with source = "../..": nothing to point at ${moduleDir}`,
    );
  writeEmulatorProviderOverride(dir, endpoint, { localBackend: true });
  return dir;
}
