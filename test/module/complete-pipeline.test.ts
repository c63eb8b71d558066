/**
 * The pipeline of examples/complete: its Makefile (help by default, a plan file as the only
 * input of apply, validation without a backend), the S3 backend settings per environment, and
 * docker-compose.yml, which runs the same targets in pinned images. Targets that need AWS
 * credentials (init with the S3 backend, plan, apply, destroy, output) are checked with
 * `make -n`, which prints the commands without running them.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { terraformEnv } from "../support/terraform";
import { tools } from "../support/tools";
import { PROJECT_ROOT, copyModule, parseHcl } from "./module-files";

const EXAMPLE = join(PROJECT_ROOT, "examples", "complete");
const TARGETS = ["help", "init", "validate", "fmt", "plan", "apply", "destroy", "output"];
const ENVS = readdirSync(join(EXAMPLE, "env"))
  .filter((file) => file.endsWith(".tfvars"))
  .map((file) => file.replace(/\.tfvars$/, ""))
  .sort();

/** No AWS credentials at all, so a target that would need them cannot pass by accident. */
function credentialFree(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(terraformEnv(extra)).filter(([key]) => !key.startsWith("AWS_")),
  );
  return { ...env, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" };
}

function make(args: readonly string[], cwd = EXAMPLE, env: NodeJS.ProcessEnv = credentialFree()) {
  const result = spawnSync("make", ["--no-print-directory", ...args], {
    cwd,
    env,
    encoding: "utf8",
    timeout: 240_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The module (as the registry ships it) and this example, at the same relative paths. */
function copyCheckout(): { root: string; example: string } {
  const root = mkdtempSync(join(tmpdir(), "complete-"));
  copyModule(root);
  const example = join(root, "examples", "complete");
  cpSync(EXAMPLE, example, {
    recursive: true,
    filter: (source) => !/(\.terraform|\.tfplan|\.terraform\.lock\.hcl)$/.test(source),
  });
  return { root, example };
}

describe("examples/complete/Makefile", () => {
  test("help is the default target and lists every target with what it does", () => {
    const bare = make([]);
    expect(bare.code).toBe(0);
    expect(make(["help"]).stdout).toBe(bare.stdout);
    for (const target of TARGETS) {
      expect(bare.stdout).toMatch(new RegExp(`^  ${target} +\\S.+$`, "m"));
    }
    expect(bare.stdout).toContain("ENV=dev|prod");
  });

  test("there is a backend file for every tfvars file, and the other way round", () => {
    const backends = readdirSync(join(EXAMPLE, "env"))
      .filter((file) => file.endsWith(".backend.hcl"))
      .map((file) => file.replace(/\.backend\.hcl$/, ""))
      .sort();
    expect(ENVS).toEqual(["dev", "prod"]);
    expect(backends).toEqual(ENVS);
  });

  describe.each(ENVS)("ENV=%s", (env) => {
    test("plan inits with that environment's backend and writes <env>.tfplan from its tfvars", () => {
      const dry = make(["-n", "plan", `ENV=${env}`]);
      expect(dry.code).toBe(0);
      const commands = dry.stdout.split("\n").filter((line) => line.startsWith("terraform "));
      expect(commands).toEqual([
        `terraform init -input=false -reconfigure -backend-config=env/${env}.backend.hcl`,
        `terraform plan -input=false -var-file=env/${env}.tfvars -out=${env}.tfplan`,
      ]);
    });

    test("apply applies <env>.tfplan and nothing else, then removes it", () => {
      const commands = make(["-n", "apply", `ENV=${env}`])
        .stdout.split("\n")
        .filter((line) => /^(terraform|rm) /.test(line));
      expect(commands).toEqual([
        `terraform init -input=false -reconfigure -backend-config=env/${env}.backend.hcl`,
        `terraform apply -input=false ${env}.tfplan`,
        `rm -f ${env}.tfplan`,
      ]);
    });

    test("destroy and output use the same backend; destroy the same tfvars", () => {
      const destroy = make(["-n", "destroy", `ENV=${env}`]).stdout;
      expect(destroy).toContain(`-backend-config=env/${env}.backend.hcl`);
      expect(destroy).toContain(`terraform destroy -var-file=env/${env}.tfvars`);
      expect(make(["-n", "output", `ENV=${env}`]).stdout).toMatch(/^terraform output$/m);
    });
  });

  describe("run for real in a copy of the checkout", () => {
    let copy: { root: string; example: string };
    beforeEach(() => {
      copy = copyCheckout();
    });
    afterEach(() => rmSync(copy.root, { recursive: true, force: true }));

    const terraform = () => `TERRAFORM=${tools().terraformBin}`;

    test("apply without a plan file fails, says what to run, and runs no terraform", () => {
      const log = join(copy.root, "terraform-calls.log");
      const recorder = join(copy.root, "terraform");
      writeFileSync(recorder, `#!/bin/sh\necho "$@" >> ${log}\n`, { mode: 0o755 });
      const result = make(["apply", "ENV=prod", `TERRAFORM=${recorder}`], copy.example);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        "ENV=prod: there is no prod.tfplan to apply: run make plan ENV=prod, review it, then make apply ENV=prod",
      );
      expect(existsSync(log)).toBe(false);
    });

    test("an unknown ENV is refused before anything runs", () => {
      const result = make(["plan", "ENV=staging", terraform()], copy.example);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        "ENV=staging: there is no env/staging.tfvars; use ENV=dev or ENV=prod",
      );
      expect(existsSync(join(copy.example, ".terraform"))).toBe(false);
    });

    test("validate needs no backend and no credentials", () => {
      const result = make(["validate", terraform()], copy.example);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      // eslint-disable-next-line no-control-regex -- Terraform colours its output; the words are what count.
      expect(result.stdout.replace(/\x1b\[[0-9;]*m/g, "")).toContain(
        "Success! The configuration is valid.",
      );
      expect(existsSync(join(copy.example, ".terraform", "terraform.tfstate"))).toBe(false);
    }, 300_000);

    test("fmt leaves the committed files alone, rewrites a misformatted one, and FMT_ARGS can make it a check", () => {
      const before = readFileSync(join(copy.example, "variables.tf"), "utf8");
      expect(make(["fmt", terraform()], copy.example).code).toBe(0);
      expect(readFileSync(join(copy.example, "variables.tf"), "utf8")).toBe(before);

      const messy = join(copy.example, "messy.tf");
      writeFileSync(messy, 'locals {\n  a = 1\n      bb   = "x"\n}\n');
      const check = make(["fmt", terraform(), "FMT_ARGS=-check -diff"], copy.example);
      expect(check.code).not.toBe(0);
      expect(readFileSync(messy, "utf8")).toContain('      bb   = "x"');
      expect(make(["fmt", terraform()], copy.example).code).toBe(0);
      expect(readFileSync(messy, "utf8")).toBe('locals {\n  a  = 1\n  bb = "x"\n}\n');
    });
  });
});

describe("S3 backend settings", () => {
  test("backend.tf declares an S3 backend and leaves every setting to env/<env>.backend.hcl", async () => {
    const parsed = (await parseHcl(join(EXAMPLE, "backend.tf"))) as {
      terraform?: Array<{ backend?: Array<Record<string, unknown[]>> }>;
    };
    const backends = parsed.terraform?.flatMap((block) => block.backend ?? []) ?? [];
    expect(backends).toEqual([{ s3: [{}] }]);
  });

  test.each(ENVS)(
    "env/%s.backend.hcl: bucket, own state key, region, encryption and locking",
    async (env) => {
      const settings = await parseHcl(join(EXAMPLE, "env", `${env}.backend.hcl`));
      expect(Object.keys(settings).sort()).toEqual([
        "bucket",
        "encrypt",
        "key",
        "region",
        "use_lockfile",
      ]);
      expect(settings).toMatchObject({ encrypt: true, use_lockfile: true });
      expect(settings.key).toBe(`rds-secret-rotation/complete/${env}.tfstate`);
      expect(settings.bucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
      // The state sits in the region the environment deploys to.
      const tfvars = await parseHcl(join(EXAMPLE, "env", `${env}.tfvars`));
      const variables = (await parseHcl(join(EXAMPLE, "variables.tf"))).variable as Record<
        string,
        Array<{ default?: string }>
      >;
      expect(settings.region).toBe(tfvars.region ?? variables.region?.[0]?.default);
    },
  );

  test("use_lockfile needs Terraform >= 1.10, which the example requires", async () => {
    const versions = (await parseHcl(join(EXAMPLE, "versions.tf"))).terraform as Array<{
      required_version: string;
    }>;
    const minimum = /^>=\s*(\d+)\.(\d+)/.exec(versions[0]?.required_version ?? "");
    expect(minimum).not.toBeNull();
    const [, major = "0", minor = "0"] = minimum ?? [];
    expect(Number(major) > 1 || (Number(major) === 1 && Number(minor) >= 10)).toBe(true);
  });
});

describe("docker-compose.yml", () => {
  interface Service {
    readonly image: string;
    readonly build?: { dockerfile_inline?: string };
    readonly working_dir: string;
    readonly volumes: string[];
    readonly entrypoint?: unknown[];
    readonly environment?: string[];
  }
  const compose = parseYaml(readFileSync(join(PROJECT_ROOT, "docker-compose.yml"), "utf8")) as {
    services: Record<string, Service>;
  };
  const DIGEST = /@sha256:[0-9a-f]{64}$/;

  test("terraform: the tests' Terraform version by tag and digest, with make, in examples/complete", () => {
    const service = compose.services.terraform;
    const dockerfile = service?.build?.dockerfile_inline ?? "";
    const from = /^FROM (hashicorp\/terraform):([\d.]+)(@sha256:[0-9a-f]{64})$/m.exec(dockerfile);
    expect(from?.[2]).toBe(tools().terraformVersion);
    expect(dockerfile).toMatch(/^RUN apk add --no-cache make$/m);
    expect(service?.entrypoint).toEqual([]);
    // `docker compose run --rm terraform make plan ENV=prod` runs this repository's Makefile.
    expect(service?.volumes).toContain(".:/work");
    const inside = relative("/work", service?.working_dir ?? "");
    expect(join(PROJECT_ROOT, inside)).toBe(EXAMPLE);
    expect(existsSync(join(PROJECT_ROOT, inside, "Makefile"))).toBe(true);
    for (const name of [
      "AWS_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
    ]) {
      expect(service?.environment).toContain(name);
    }
  });

  test("node: the CI's Node.js major by tag and digest, at the repository root", () => {
    const service = compose.services.node;
    expect(service?.image).toMatch(DIGEST);
    const major = /^node:(\d+)\.\d+\.\d+-[a-z]+@/.exec(service?.image ?? "")?.[1];
    const workflow = parseYaml(
      readFileSync(join(PROJECT_ROOT, ".github", "workflows", "test.yml"), "utf8"),
    ) as {
      jobs: { test: { steps: Array<{ uses?: string; with?: { "node-version"?: number } }> } };
    };
    const ci = workflow.jobs.test.steps.find((step) => step.uses?.startsWith("actions/setup-node"));
    expect(major).toBe(String(ci?.with?.["node-version"]));
    expect(service?.working_dir).toBe("/work");
    expect(service?.volumes).toContain(".:/work");
  });
});
