/**
 * The secret store's checks say what is wrong and how to fix it. tests/secrets-manager.tftest.hcl
 * proves that each check fires (expect_failures), but `terraform test` cannot read an error
 * message; here each bad configuration is planned alone against the mocked provider, and the
 * message Terraform prints is compared with what a user must read.
 */
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTerraform } from "../support/terraform";
import { PROJECT_ROOT, copyModule } from "./module-files";

const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666";

/** A valid Secrets Manager configuration; each case overrides some of it. */
const BASE: Record<string, unknown> = {
  name: "orders-db-rotation",
  vpc_id: "vpc-0123456789abcdef0",
  subnet_ids: ["subnet-0aaaaaaaaaaaaaaaa"],
  db_security_group_id: "sg-0dddddddddddddddd",
  db_host: "orders.abc123.eu-west-1.rds.amazonaws.com",
  db_username: "orders_app",
  secret_store: "secretsmanager",
  secret_arn: SECRET,
};

/** Case name -> overrides -> the fragments the message must hold (it names the setting and the fix). */
const CASES: Record<string, { vars: Record<string, unknown>; message: readonly string[] }> = {
  ssm_without_password_parameter: {
    vars: { secret_store: "ssm", secret_arn: null },
    message: [
      'secret_store = "ssm" (the default) needs password_parameter_name',
      'set secret_store = "secretsmanager" and secret_arn',
    ],
  },
  ssm_with_secrets_manager_settings: {
    vars: {
      secret_store: "ssm",
      password_parameter_name: "/orders/prod/db/password",
      secret_kms_key_arn: KEY,
      use_secret_kms_key: true,
    },
    message: [
      "secret_arn, secret_kms_key_arn, use_secret_kms_key: Secrets Manager settings",
      'Set secret_store = "secretsmanager", or remove them',
    ],
  },
  secrets_manager_without_secret: {
    vars: { secret_arn: null },
    message: ['secret_store = "secretsmanager" needs secret_arn', "full ARN"],
  },
  secrets_manager_with_ssm_settings: {
    vars: {
      password_parameter_name: "/orders/prod/db/password",
      database_url_parameter_name: "/orders/prod/db/url",
      parameter_kms_key_arn: KEY,
      use_parameter_kms_key: true,
    },
    message: [
      "database_url_parameter_name, parameter_kms_key_arn, password_parameter_name, use_parameter_kms_key: SSM settings",
      'no meaning with secret_store = "secretsmanager"',
      "Remove them",
    ],
  },
  secret_key_without_switch: {
    vars: { secret_kms_key_arn: KEY },
    message: ["Set use_secret_kms_key = true exactly when secret_kms_key_arn is set"],
  },
  alternating_without_admin_secret: {
    vars: { rotation_strategy: "alternating-users" },
    message: ["needs admin_secret_arn", "masterarn"],
  },
  admin_secret_is_the_rotated_secret: {
    vars: { rotation_strategy: "alternating-users", admin_secret_arn: SECRET },
    message: ["admin_secret_arn must be another secret than secret_arn"],
  },
  secret_in_another_region: {
    vars: { secret_arn: SECRET.replace("eu-west-1", "us-east-1") },
    message: ["secret_arn is in another region than the function (eu-west-1)", "secret's region"],
  },
  schedule_too_frequent: {
    vars: { schedule_expression: "rate(2 hours)" },
    message: [
      "schedule_expression becomes the secret's rotation_rules",
      "rate(<n> hours) for n from 4 to 23",
      "not rate(2 hours)",
    ],
  },
  endpoints_without_secretsmanager: {
    vars: { create_vpc_endpoints: true },
    message: ['needs "secretsmanager" in vpc_endpoint_services'],
  },
  partial_secret_arn: {
    vars: { secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db" },
    message: ["secret_arn must be the full ARN", "6 characters Secrets Manager appends"],
  },
};

interface JsonLine {
  readonly "@level"?: string;
  readonly "@testfile"?: string;
  readonly "@testrun"?: string;
  readonly diagnostic?: { readonly summary: string; readonly detail?: string };
}

let dir: string;
let lines: JsonLine[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tf-sm-checks-"));
  copyModule(dir);
  mkdirSync(join(dir, "tests"));
  cpSync(join(PROJECT_ROOT, "tests", "mocks"), join(dir, "tests", "mocks"), { recursive: true });
  // One file per case: a failed plan skips the rest of its file.
  for (const [name, { vars }] of Object.entries(CASES)) {
    const assignments = Object.entries({ ...BASE, ...vars })
      .map(([key, value]) => `    ${key} = ${JSON.stringify(value)}`)
      .join("\n");
    writeFileSync(
      join(dir, "tests", `${name}.tftest.hcl`),
      `mock_provider "aws" {\n  source = "./tests/mocks"\n}\n\nrun "${name}" {\n  command = plan\n  variables {\n${assignments}\n  }\n}\n`,
    );
  }
  const env = { TF_DATA_DIR: join(dir, ".terraform") };
  const init = runTerraform(["init", "-backend=false", "-input=false", "-no-color"], {
    cwd: dir,
    env,
  });
  if (init.code !== 0) throw new Error(`terraform init failed\n${init.stdout}\n${init.stderr}`);
  const test = runTerraform(["test", "-json", "-no-color"], { cwd: dir, env });
  lines = `${test.stdout}\n${test.stderr}`
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as JsonLine);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.each(Object.keys(CASES))("%s: plan stops with the setting and the fix", (name) => {
  const errors = lines
    .filter((line) => line["@level"] === "error" && line["@testrun"] === name)
    .map((line) => `${line.diagnostic?.summary ?? ""}: ${line.diagnostic?.detail ?? ""}`);
  // Terraform wraps long messages; compare the words, not the line breaks.
  const text = errors.join("\n").replace(/\s+/g, " ");
  expect(errors.length).toBeGreaterThan(0);
  for (const fragment of CASES[name]?.message ?? []) expect(text).toContain(fragment);
});

test("a valid Secrets Manager configuration plans (the checks above are not always on)", () => {
  // The base configuration itself must pass: otherwise every case above would fail for it.
  const file = join(dir, "tests", "valid.tftest.hcl");
  const assignments = Object.entries(BASE)
    .map(([key, value]) => `    ${key} = ${JSON.stringify(value)}`)
    .join("\n");
  writeFileSync(
    file,
    `mock_provider "aws" {\n  source = "./tests/mocks"\n}\n\nrun "valid" {\n  command = plan\n  variables {\n${assignments}\n  }\n}\n`,
  );
  const result = runTerraform(["test", "-no-color", "-filter=tests/valid.tftest.hcl"], {
    cwd: dir,
    env: { TF_DATA_DIR: join(dir, ".terraform") },
  });
  expect(result.stdout).toContain("1 passed, 0 failed");
});
