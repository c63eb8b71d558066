/**
 * What publishing and pinning the module rests on: LICENSE, CHANGELOG.md, the CI workflows
 * (lint, test, release), the pre-commit and tflint configurations. The workflows' shell steps
 * that need no GitHub (tag check, checksum, release notes) run here for real; tflint cannot be
 * installed where the tests run, so the rules .tflint.hcl enables beyond its preset are
 * checked here too.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { tools } from "../support/tools";
import { PROJECT_ROOT, exampleDirs, parseHcl } from "./module-files";

const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), "utf8");
const packageJson = JSON.parse(read("package.json")) as { version: string; license: string };

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly "working-directory"?: string;
}
interface Job {
  readonly steps: Step[];
  readonly permissions?: Record<string, string>;
  readonly strategy?: { matrix?: Record<string, unknown[]> };
}
interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

/** The value, or a failure naming what was missing (instead of a non-null assertion). */
function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`missing: ${what}`);
  return value;
}

const WORKFLOWS_DIR = join(PROJECT_ROOT, ".github", "workflows");
const workflow = (name: string) => parseYaml(read(`.github/workflows/${name}.yml`)) as Workflow;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((job) => job.steps);
const runs = (wf: Workflow) => steps(wf).map((step) => step.run ?? "");
const stepNamed = (wf: Workflow, name: string): Step => {
  const found = steps(wf).find((step) => step.name === name);
  if (!found) throw new Error(`no step named "${name}"`);
  return found;
};

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;
const compareVersions = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) {
    const d = (x?.[i] ?? 0) - (y?.[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

/** Terraform's `>= 1.7`, `< 7.0`, `~> 1.11` (comma-separated) against a version. */
function satisfies(version: string, constraints: string): boolean {
  return constraints.split(",").every((part) => {
    const m = /^\s*(>=|<=|>|<|=|!=|~>)?\s*([\d.]+)\s*$/.exec(part);
    if (!m) throw new Error(`cannot read version constraint "${part}"`);
    const [, op = "=", bound = ""] = m;
    const d = compareVersions(version, bound);
    if (op === "~>") {
      const fixed = bound.split(".").slice(0, -1);
      const upper = [...fixed.slice(0, -1), String(Number(fixed[fixed.length - 1] ?? 0) + 1)].join(
        ".",
      );
      return d >= 0 && (fixed.length === 0 || compareVersions(version, upper) < 0);
    }
    return (
      { ">=": d >= 0, "<=": d <= 0, ">": d > 0, "<": d < 0, "=": d === 0, "!=": d !== 0 }[op] ??
      false
    );
  });
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync("bash", ["-euo", "pipefail", "-c", script], {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

describe("LICENSE", () => {
  const license = read("LICENSE");

  test("is the full Apache License 2.0 that package.json names", () => {
    expect(packageJson.license).toBe("Apache-2.0");
    expect(license).toMatch(/^\s*Apache License\n\s*Version 2\.0, January 2004\n/);
    const sections = [
      "Definitions",
      "Grant of Copyright License",
      "Grant of Patent License",
      "Redistribution",
      "Submission of Contributions",
      "Trademarks",
      "Disclaimer of Warranty",
      "Limitation of Liability",
      "Accepting Warranty or Additional Liability",
    ];
    sections.forEach((title, i) => expect(license).toContain(`${i + 1}. ${title}.`));
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(license).toContain("APPENDIX: How to apply the Apache License to your work.");
    expect(license.length).toBeGreaterThan(11_000);
  });
});

describe("CHANGELOG.md", () => {
  const changelog = read("CHANGELOG.md");
  const headings = [...changelog.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
  const releases = headings.slice(1).map((heading) => {
    const m = /^\[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/.exec(heading);
    if (!m) throw new Error(`"## ${heading}" is not "## [X.Y.Z] - YYYY-MM-DD"`);
    return { version: m[1] as string, date: m[2] as string };
  });
  const section = (heading: string) => {
    const start = changelog.indexOf(`## ${heading}`);
    const next = changelog.indexOf("\n## ", start + 1);
    return changelog.slice(start, next === -1 ? undefined : next);
  };

  test("keeps a changelog: Unreleased first, then releases newest first, from 0.1.0", () => {
    expect(changelog.startsWith("# Changelog\n")).toBe(true);
    expect(changelog).toContain("https://keepachangelog.com/en/1.1.0/");
    expect(changelog).toContain("https://semver.org/spec/v2.0.0.html");
    expect(headings[0]).toBe("[Unreleased]");
    expect(releases.length).toBeGreaterThan(0);
    expect(releases[releases.length - 1]?.version).toBe("0.1.0");
    releases.slice(1).forEach((older, i) => {
      const newer = must(releases[i], "release");
      expect(compareVersions(newer.version, older.version)).toBeGreaterThan(0);
      expect(newer.date >= older.date).toBe(true);
    });
    for (const { date } of releases) expect(Number.isNaN(Date.parse(date))).toBe(false);
    const kinds = [...changelog.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(
      kinds.filter(
        (kind) =>
          !["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"].includes(kind ?? ""),
      ),
    ).toEqual([]);
  });

  test("package.json's version is the newest release", () => {
    expect(packageJson.version).toMatch(SEMVER);
    expect(packageJson.version).toBe(releases[0]?.version);
  });

  test("Unreleased records the agreed breaking renames, each a real variable under one of its names", async () => {
    const unreleased = section("[Unreleased]").replace(/\s+/g, " ");
    expect(unreleased).toMatch(/\*\*Breaking\*\*/);
    const renames: Array<[string, string]> = [
      ["strategy", "rotation_strategy"],
      ["ecs_refresh_strategy", "ecs_restart_method"],
      ["ecs_service_strategies", "ecs_service_restart_methods"],
      ["ECS_REFRESH_STRATEGY", "ECS_RESTART_METHOD"],
      ["ECS_SERVICE_STRATEGIES", "ECS_SERVICE_RESTART_METHODS"],
    ];
    for (const [from, to] of renames) expect(unreleased).toContain(`\`${from}\` → \`${to}\``);
    const variables = Object.keys(((await parseHcl("variables.tf")).variable as object) ?? {});
    for (const [from, to] of renames.slice(0, 3)) {
      expect([variables.includes(from), variables.includes(to)].filter(Boolean)).toHaveLength(1);
    }
  });
});

describe("workflows", () => {
  const files = readdirSync(WORKFLOWS_DIR).filter((file) => /\.ya?ml$/.test(file));

  test("lint, test and release exist and parse", () => {
    expect(files.sort()).toEqual(expect.arrayContaining(["lint.yml", "release.yml", "test.yml"]));
    for (const file of files) {
      const wf = parseYaml(readFileSync(join(WORKFLOWS_DIR, file), "utf8")) as Workflow;
      expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
      expect(wf.permissions).toEqual({ contents: "read" });
    }
  });

  test("every action is pinned to a full commit SHA with its version in a comment, the same one everywhere", () => {
    const pins = new Map<string, string>();
    for (const file of files) {
      const lines = readFileSync(join(WORKFLOWS_DIR, file), "utf8").split("\n");
      for (const line of lines.filter((l) => /^\s*(- )?uses:/.test(l))) {
        const m = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect({ file, line, pinned: m !== null }).toEqual({ file, line, pinned: true });
        const [, action = "", sha, version] = m ?? [];
        const pin = `${sha} ${version}`;
        expect(pins.get(action) ?? pin).toBe(pin);
        pins.set(action, pin);
      }
    }
    expect([...pins.keys()].sort()).toEqual(
      expect.arrayContaining([
        "actions/checkout",
        "actions/setup-node",
        "hashicorp/setup-terraform",
        "terraform-linters/setup-tflint",
      ]),
    );
  });

  test("Dependabot keeps the pinned actions current", () => {
    const dependabot = parseYaml(read(".github/dependabot.yml")) as {
      version: number;
      updates: Array<{ "package-ecosystem": string; directory: string }>;
    };
    expect(dependabot.version).toBe(2);
    expect(dependabot.updates).toContainEqual(
      expect.objectContaining({ "package-ecosystem": "github-actions", directory: "/" }),
    );
  });

  describe("lint", () => {
    const lint = workflow("lint");

    test("checks formatting of every file, recursively", () => {
      expect(runs(lint)).toContainEqual(
        expect.stringMatching(/^terraform fmt -check -recursive\b/),
      );
    });

    test("validates the module and every example, without a backend", () => {
      const dirs = lint.jobs.validate?.strategy?.matrix?.directory as string[];
      const expected = [".", ...exampleDirs().map((dir) => relative(PROJECT_ROOT, dir))];
      expect([...dirs].sort()).toEqual(expected.sort());
      const validate = must(lint.jobs.validate, "validate job").steps.find((step) =>
        step.run?.includes("terraform validate"),
      );
      expect(validate?.["working-directory"]).toBe("${{ matrix.directory }}");
      expect(validate?.run).toContain("terraform init -backend=false");
    });

    test("runs tflint with the repository's .tflint.hcl on every folder, and checkov at the tests' version", () => {
      const tflint = must(lint.jobs.tflint, "tflint job")
        .steps.map((step) => step.run ?? "")
        .join("\n");
      expect(tflint).toMatch(/tflint --init --config "\$GITHUB_WORKSPACE\/\.tflint\.hcl"/);
      expect(tflint).toMatch(/tflint --recursive --config "\$GITHUB_WORKSPACE\/\.tflint\.hcl"/);
      const checkov = must(lint.jobs.checkov, "checkov job")
        .steps.map((step) => step.run ?? "")
        .join("\n");
      expect(checkov).toContain("grep '^checkov==' test/support/requirements-checkov.txt");
      expect(read("test/support/requirements-checkov.txt")).toMatch(/^checkov==\d+\.\d+\.\d+$/m);
      expect(checkov).toMatch(/checkov --directory \. --framework terraform/);
    });

    test("its Terraform version is the tests' and satisfies every required_version", async () => {
      const version = lint.env?.TERRAFORM_VERSION ?? "";
      expect(version).toBe(tools().terraformVersion);
      for (const dir of [PROJECT_ROOT, ...exampleDirs()]) {
        const blocks = (await parseHcl(join(dir, "versions.tf"))).terraform as Array<{
          required_version: string;
        }>;
        expect({
          dir,
          ok: satisfies(version, must(blocks[0], "terraform block").required_version),
        }).toEqual({
          dir,
          ok: true,
        });
      }
      expect(
        must(workflow("test").jobs.test, "test job").steps.find((s) =>
          s.uses?.startsWith("hashicorp/setup-terraform"),
        )?.with?.terraform_version,
      ).toBe(version);
    });
  });

  test("test runs npm test", () => {
    expect(runs(workflow("test"))).toContain("npm test");
  });

  describe("release", () => {
    const release = workflow("release");

    test("runs on version tags, may write releases, rebuilds and compares the bundle, attaches it with its SHA-256", () => {
      expect(release.on).toEqual({ push: { tags: ["v[0-9]+.[0-9]+.[0-9]+"] } });
      expect(release.jobs.release?.permissions).toEqual({ contents: "write" });
      const build =
        stepNamed(release, "Build dist/rotator.zip and check it equals the committed one").run ??
        "";
      expect(build).toMatch(
        /cp dist\/rotator\.zip "\$RUNNER_TEMP\/committed\.zip"\s+npm run build\s+if ! cmp dist\/rotator\.zip "\$RUNNER_TEMP\/committed\.zip"/,
      );
      const publish = stepNamed(release, "Publish").run ?? "";
      expect(publish).toMatch(
        /gh release create "\$GITHUB_REF_NAME" dist\/rotator\.zip dist\/rotator\.zip\.sha256/,
      );
      const order = steps(release).map((step) => step.name ?? step.run ?? step.uses);
      expect(
        order.indexOf("Build dist/rotator.zip and check it equals the committed one"),
      ).toBeLessThan(order.indexOf("Publish"));
    });

    describe("its shell steps, run here", () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "release-"));
        mkdirSync(join(dir, "dist"));
        for (const file of ["CHANGELOG.md", "package.json", "dist/rotator.zip"]) {
          copyFileSync(join(PROJECT_ROOT, file), join(dir, file));
        }
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      const runStep = (name: string, tag: string) => {
        const step = stepNamed(release, name);
        const cwd = step["working-directory"] ? join(dir, step["working-directory"]) : dir;
        return bash(step.run ?? "", cwd, { GITHUB_REF_NAME: tag, RUNNER_TEMP: dir });
      };

      test("the tag check passes for the current version and names the fix otherwise", () => {
        const tag = `v${packageJson.version}`;
        expect(runStep("Check the tag against package.json and CHANGELOG.md", tag).status).toBe(0);
        const wrong = runStep("Check the tag against package.json and CHANGELOG.md", "v99.0.0");
        expect(wrong.status).toBe(1);
        expect(wrong.stdout).toContain("package.json says");
      });

      test("checksum and release notes: the changelog section and the bundle's SHA-256", () => {
        expect(runStep("Checksum", "v0.1.0").status).toBe(0);
        const notes = runStep("Release notes from CHANGELOG.md", `v${packageJson.version}`);
        expect(notes.stderr).toBe("");
        const text = readFileSync(join(dir, "notes.md"), "utf8");
        const sha = createHash("sha256")
          .update(readFileSync(join(PROJECT_ROOT, "dist", "rotator.zip")))
          .digest("hex");
        expect(readFileSync(join(dir, "dist", "rotator.zip.sha256"), "utf8")).toBe(
          `${sha}  rotator.zip\n`,
        );
        expect(text).toContain(`SHA-256 of rotator.zip: \`${sha}\``);
        expect(text).toContain("### Added");
        expect(text).not.toContain("## [");
      });
    });
  });
});

describe(".pre-commit-config.yaml", () => {
  const raw = read(".pre-commit-config.yaml");
  const config = parseYaml(raw) as {
    repos: Array<{ repo: string; rev: string; hooks: Array<{ id: string; args?: string[] }> }>;
  };

  test("runs pre-commit-terraform's fmt, validate, docs, tflint and checkov hooks at a pinned commit", () => {
    const repo = config.repos.find(
      (r) => r.repo === "https://github.com/antonbabenko/pre-commit-terraform",
    );
    expect(repo?.rev).toMatch(/^[0-9a-f]{40}$/);
    expect(raw).toMatch(new RegExp(`rev: ${repo?.rev} # frozen: v\\d+\\.\\d+\\.\\d+\\n`));
    const hooks = must(repo, "pre-commit-terraform repo").hooks;
    const ids = hooks.map((hook) => hook.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "terraform_fmt",
        "terraform_validate",
        "terraform_docs",
        "terraform_tflint",
        "terraform_checkov",
      ]),
    );
    const args = (id: string) => hooks.find((hook) => hook.id === id)?.args ?? [];
    expect(args("terraform_docs")).toContain("--args=--config=.terraform-docs.yml");
    expect(args("terraform_tflint")).toContain("--args=--config=__GIT_WORKING_DIR__/.tflint.hcl");
  });
});

describe(".tflint.hcl", () => {
  interface TflintConfig {
    plugin: Record<
      string,
      Array<{ enabled: boolean; version?: string; source?: string; preset?: string }>
    >;
    rule: Record<string, Array<{ enabled: boolean; format?: string }>>;
  }
  let config: TflintConfig;
  beforeAll(async () => {
    config = (await parseHcl(".tflint.hcl")) as unknown as TflintConfig;
  });

  test("enables the AWS ruleset at a pinned version, and the terraform ruleset's recommended preset", () => {
    expect(config.plugin.aws?.[0]).toMatchObject({
      enabled: true,
      source: "github.com/terraform-linters/tflint-ruleset-aws",
    });
    expect(config.plugin.aws?.[0]?.version).toMatch(SEMVER);
    expect(config.plugin.terraform?.[0]).toMatchObject({ enabled: true, preset: "recommended" });
  });

  /** Every folder tflint --recursive lints, with its parsed *.tf files by name. */
  async function folders() {
    const result: Array<{
      dir: string;
      files: Map<string, Record<string, unknown>>;
      text: string;
    }> = [];
    for (const dir of [PROJECT_ROOT, ...exampleDirs()]) {
      const names = readdirSync(dir).filter((file) => file.endsWith(".tf"));
      const files = new Map<string, Record<string, unknown>>();
      for (const name of names) files.set(name, await parseHcl(join(dir, name)));
      result.push({
        dir: relative(PROJECT_ROOT, dir) || ".",
        files,
        text: names.map((n) => readFileSync(join(dir, n), "utf8")).join("\n"),
      });
    }
    return result;
  }
  const blocksOf = (parsed: Record<string, unknown>, kind: string) =>
    Object.entries((parsed[kind] as Record<string, Array<Record<string, unknown>>>) ?? {});

  test("the rules it enables beyond the preset hold (tflint is not installed here)", async () => {
    const enabled = Object.keys(config.rule).filter((name) => config.rule[name]?.[0]?.enabled);
    expect(enabled.sort()).toEqual(
      [
        "terraform_documented_outputs",
        "terraform_documented_variables",
        "terraform_naming_convention",
        "terraform_typed_variables",
      ].sort(),
    );
    expect(config.rule.terraform_naming_convention?.[0]?.format).toBe("snake_case");
    const snake = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
    const problems: string[] = [];
    for (const { dir, files } of await folders()) {
      for (const [file, parsed] of files) {
        for (const [name, [body]] of blocksOf(parsed, "variable")) {
          if (!body?.description)
            problems.push(`${dir}/${file}: variable ${name} has no description`);
          if (!body?.type) problems.push(`${dir}/${file}: variable ${name} has no type`);
          if (!snake.test(name))
            problems.push(`${dir}/${file}: variable ${name} is not snake_case`);
        }
        for (const [name, [body]] of blocksOf(parsed, "output")) {
          if (!body?.description)
            problems.push(`${dir}/${file}: output ${name} has no description`);
          if (!snake.test(name)) problems.push(`${dir}/${file}: output ${name} is not snake_case`);
        }
        for (const kind of ["resource", "data"]) {
          for (const [type, byName] of blocksOf(parsed, kind)) {
            for (const name of Object.keys(byName as object)) {
              if (!snake.test(name))
                problems.push(`${dir}/${file}: ${kind} ${type}.${name} is not snake_case`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("the recommended preset's unused-declaration and required-version rules hold", async () => {
    const problems: string[] = [];
    for (const { dir, files, text } of await folders()) {
      const all = [...files.values()];
      if (
        !all.some((parsed) =>
          ((parsed.terraform as Array<Record<string, unknown>>) ?? []).some(
            (t) => t.required_version,
          ),
        )
      ) {
        problems.push(`${dir}: no required_version`);
      }
      for (const parsed of all) {
        for (const [name] of blocksOf(parsed, "variable")) {
          if (!new RegExp(`\\bvar\\.${name}\\b`).test(text))
            problems.push(`${dir}: variable ${name} is never used`);
        }
        for (const [type, byName] of blocksOf(parsed, "data")) {
          for (const name of Object.keys(byName as object)) {
            if (!new RegExp(`\\bdata\\.${type}\\.${name}\\b`).test(text))
              problems.push(`${dir}: data.${type}.${name} is never used`);
          }
        }
        for (const locals of (parsed.locals as Array<Record<string, unknown>>) ?? []) {
          for (const name of Object.keys(locals)) {
            if (!new RegExp(`\\blocal\\.${name}\\b`).test(text))
              problems.push(`${dir}: local.${name} is never used`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
