/**
 * The README: its first screen (what it does, Usage with a registry source and a version, the
 * two local commands), its usage blocks against variables.tf, the rules that span several
 * inputs, and the terraform-docs block (between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->)
 * that scripts/readme-tables.mjs renders from the *.tf files with .terraform-docs.yml.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { PROJECT_ROOT, copyModule, expectSuccess, initWorkdir, parseHcl } from "./module-files";

const GENERATOR = join(PROJECT_ROOT, "scripts", "readme-tables.mjs");
const README = join(PROJECT_ROOT, "README.md");
const CONFIG = join(PROJECT_ROOT, ".terraform-docs.yml");
const readme = readFileSync(README, "utf8");

type Blocks = Record<string, Array<Record<string, unknown>>>;

function generate(args: readonly string[]) {
  return spawnSync(process.execPath, [GENERATOR, ...args], { encoding: "utf8" });
}

/** The module's root *.tf files, parsed. */
async function moduleFiles(): Promise<Array<Record<string, unknown>>> {
  const files = readdirSync(PROJECT_ROOT).filter((file) => file.endsWith(".tf"));
  return Promise.all(files.map((file) => parseHcl(file)));
}

async function blockNames(kind: "variable" | "output"): Promise<string[]> {
  const names = (await moduleFiles()).flatMap((parsed) =>
    Object.keys((parsed[kind] as Blocks) ?? {}),
  );
  return names.sort();
}

async function variables(): Promise<Map<string, Record<string, unknown>>> {
  const all = new Map<string, Record<string, unknown>>();
  for (const parsed of await moduleFiles()) {
    for (const [name, [body]] of Object.entries((parsed.variable as Blocks) ?? {})) {
      all.set(name, body ?? {});
    }
  }
  return all;
}

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  return text.slice(from, to);
}

const docsBlock = (text: string) => between(text, "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->");

/** The `argument = value` names at the top level of the first ```hcl block after `heading`. */
function usageArguments(heading: string): { source: string; version: string; names: string[] } {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = between(section, "```hcl\n", "\n```");
  const source = /^\s+source\s+=\s+"([^"]+)"/m.exec(block)?.[1] ?? "";
  const version = /^\s+version\s+=\s+"([^"]+)"/m.exec(block)?.[1] ?? "";
  const names = [...block.matchAll(/^ {2}([a-z0-9_]+)\s+=/gm)]
    .map((m) => m[1] as string)
    .filter((name) => name !== "source" && name !== "version");
  return { source, version, names };
}

describe("the first screen", () => {
  const firstScreen = readme.split("\n").slice(0, 40).join("\n");

  test("says what the module does, then Usage with a registry source and version, then the two local commands", () => {
    expect(firstScreen).toMatch(/^# terraform-aws-rds-secret-rotation\n\n\S/);
    expect(firstScreen).toMatch(/rotates the password of a PostgreSQL role/i);
    const usage = firstScreen.indexOf("\n## Usage\n");
    const local = firstScreen.indexOf("\n## Try it locally\n");
    expect(usage).toBeGreaterThan(0);
    expect(local).toBeGreaterThan(usage);
    expect(firstScreen).toMatch(/^\s+source\s+=\s+"[a-z0-9-]+\/rds-secret-rotation\/aws"$/m);
    expect(firstScreen).toMatch(/^\s+version\s+=\s+"~> 0\.1"$/m);
    const commands = firstScreen.slice(local);
    expect(commands).toMatch(/^npm ci && npm run demo\b/m);
    expect(commands).toMatch(/^npm test\b/m);
    expect(firstScreen).not.toMatch(/<registry namespace>/);
  });

  test("no npm command comes before the Usage block", () => {
    expect(readme.indexOf("npm ")).toBeGreaterThan(readme.indexOf("\n## Usage\n"));
  });
});

describe("the usage blocks", () => {
  test.each(["## Usage", "## Usage in full"])(
    "%s sets only real inputs, every required one, from the registry at a version",
    async (heading) => {
      const all = await variables();
      const required = [...all].filter(([, body]) => !("default" in body)).map(([name]) => name);
      const { source, version, names } = usageArguments(heading);
      expect(source).toMatch(/^[a-z0-9-]+\/rds-secret-rotation\/aws$/);
      expect(version).toBe("~> 0.1");
      expect(names.filter((name) => !all.has(name))).toEqual([]);
      expect(required.filter((name) => !names.includes(name))).toEqual([]);
    },
  );
});

/** A ```hcl block of the README with the registry source swapped for a local copy of the module. */
function localModuleBlock(heading: string, label: string): string {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  return between(section, "```hcl\n", "\n```")
    .replace("```hcl\n", "")
    .replace(/^module "[^"]+"/m, `module "${label}"`)
    .replace(/^(\s+)source\s+=\s+"[^"]+"$/m, '$1source = "./module"')
    .replace(/^\s+version\s+=.*\n/m, "");
}

test("both usage blocks plan (mocked AWS provider): every precondition holds", () => {
  const dir = mkdtempSync(join(tmpdir(), "readme-usage-"));
  try {
    copyModule(join(dir, "module"));
    writeFileSync(
      join(dir, "main.tf"),
      `${localModuleBlock("## Usage", "usage")}\n\n${localModuleBlock("## Usage in full", "usage_full")}\n`,
    );
    writeFileSync(
      join(dir, "providers.tf"),
      'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n',
    );
    mkdirSync(join(dir, "tests"));
    writeFileSync(
      join(dir, "tests", "usage.tftest.hcl"),
      `mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}" }
  }
}

run "readme_usage" {
  command = plan
}
`,
    );
    const workdir = initWorkdir(dir);
    try {
      const args = ["test", "-no-color"];
      expect(expectSuccess(args, workdir.run(args)).stdout).toContain("1 passed, 0 failed");
    } finally {
      workdir.cleanup();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** var.<name> references in a condition: hcl2json keeps expressions as "${...}" text. */
const varsIn = (expression: string) =>
  [...new Set([...expression.matchAll(/\bvar\.([a-z0-9_]+)/g)].map((m) => m[1] as string))].sort();

test("the inputs section states every rule that spans several inputs", async () => {
  // Preconditions and validations whose condition names two or more variables directly.
  const rules: string[][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === "precondition" || key === "validation") && Array.isArray(value)) {
        for (const check of value as Array<{ condition?: string }>) {
          const names = varsIn(check.condition ?? "");
          if (names.length > 1) rules.push(names);
        }
      }
      visit(value);
    }
  };
  (await moduleFiles()).forEach(visit);
  expect(rules.length).toBeGreaterThanOrEqual(4);

  const section = between(readme, "\n## Inputs and outputs\n", "<!-- BEGIN_TF_DOCS -->");
  const bullets = section.split(/\n(?=- )/).filter((part) => part.startsWith("- "));
  const stated = (names: string[]) =>
    bullets.some((bullet) => names.every((name) => bullet.includes(`\`${name}`)));
  expect(rules.filter((names) => !stated(names))).toEqual([]);
});

describe("the terraform-docs block", () => {
  const block = docsBlock(readme);

  test("is current (run `npm run docs` if this fails)", () => {
    const result = generate(["--check"]);
    expect({ code: result.status, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  });

  test("has terraform-docs' sections in its order, with its exact table headers", () => {
    const headings = [...block.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(["Requirements", "Providers", "Resources", "Inputs", "Outputs"]);
    expect(
      block.startsWith(
        "<!-- BEGIN_TF_DOCS -->\n## Requirements\n\n| Name | Version |\n| ---- | ------- |\n",
      ),
    ).toBe(true);
    expect(block).toContain("## Providers\n\n| Name | Version |\n| ---- | ------- |\n");
    expect(block).toContain("## Resources\n\n| Name | Type |\n| ---- | ---- |\n");
    expect(block).toContain(
      "## Inputs\n\n| Name | Description | Type | Default | Required |\n| ---- | ----------- | ---- | ------- | :------: |\n",
    );
    expect(block).toContain("## Outputs\n\n| Name | Description |\n| ---- | ----------- |\n");
  });

  test("every variable and output has its anchored row, and nothing else does", async () => {
    const anchors = (prefix: string) =>
      [
        ...block.matchAll(
          new RegExp(
            `^\\| <a name="${prefix}_([^"]+)"></a> \\[([^\\]]+)\\]\\(#([^)]+)\\) \\|`,
            "gm",
          ),
        ),
      ].map((m) => {
        // The visible name and the link escape underscores; the anchor itself does not.
        expect(m[2]).toBe((m[1] as string).replaceAll("_", "\\_"));
        expect(m[3]).toBe(`${prefix}_${m[1]}`.replaceAll("_", "\\_"));
        return m[1] as string;
      });
    expect(anchors("input").sort()).toEqual(await blockNames("variable"));
    expect(anchors("output").sort()).toEqual(await blockNames("output"));
    expect((await blockNames("variable")).length).toBeGreaterThan(40);
  });

  test("inputs: required first, then by name; types in code; n/a for required defaults", async () => {
    const all = await variables();
    const rows = [
      ...block.matchAll(/^\| <a name="input_([^"]+)"><\/a> .* \| (.+) \| (.+) \| (yes|no) \|$/gm),
    ];
    expect(rows).toHaveLength(all.size);
    const names = rows.map((m) => m[1] as string);
    const required = (name: string) => !("default" in (all.get(name) ?? {}));
    const expected = [...names].sort(
      (a, b) => Number(!required(a)) - Number(!required(b)) || (a < b ? -1 : a > b ? 1 : 0),
    );
    expect(names).toEqual(expected);
    for (const [, name, type, fallback, isRequired] of rows) {
      expect(isRequired).toBe(required(name as string) ? "yes" : "no");
      expect(type).toMatch(/^(`[^`]+`|<pre>.*<\/pre>)$/);
      if (required(name as string)) expect(fallback).toBe("n/a");
      else expect(fallback).toMatch(/^(`.+`|<pre>.*<\/pre>)$/);
    }
  });

  test("requirements come from versions.tf; every resource links to its registry page", async () => {
    const versions = (await parseHcl("versions.tf")).terraform as Array<Record<string, unknown>>;
    const core = versions[0]?.required_version as string;
    expect(block).toContain(
      `| <a name="requirement_terraform"></a> [terraform](#requirement\\_terraform) | ${core} |`,
    );

    const declared: string[] = [];
    for (const parsed of await moduleFiles()) {
      for (const [kind, mode, docs] of [
        ["resource", "resource", "resources"],
        ["data", "data source", "data-sources"],
      ] as const) {
        for (const [type, byName] of Object.entries(
          (parsed[kind] as Record<string, Blocks>) ?? {},
        )) {
          for (const name of Object.keys(byName)) {
            // terraform_data belongs to the built-in "terraform" provider, as terraform-docs links it.
            const [provider, page] = type.startsWith("aws_")
              ? ["aws", type.replace(/^aws_/, "")]
              : ["terraform", type.replace(/^terraform_/, "")];
            declared.push(
              `| [${type}.${name}](https://registry.terraform.io/providers/hashicorp/${provider}/latest/docs/${docs}/${page}) | ${mode} |`,
            );
          }
        }
      }
    }
    const listed = between(block, "## Resources", "## Inputs")
      .split("\n")
      .filter((line) => line.startsWith("| ["));
    expect([...listed].sort()).toEqual([...declared].sort());
    // Managed resources first, data sources after, as terraform-docs orders them.
    const firstData = listed.findIndex((line) => line.endsWith("| data source |"));
    expect(listed.slice(firstData).every((line) => line.endsWith("| data source |"))).toBe(true);
  });
});

describe(".terraform-docs.yml", () => {
  const config = parseYaml(readFileSync(CONFIG, "utf8"));

  test("injects a markdown table into README.md between the markers the README has", () => {
    expect(config.formatter).toBe("markdown table");
    expect(config.output).toMatchObject({ file: "README.md", mode: "inject" });
    expect(config.output.template).toBe(
      "<!-- BEGIN_TF_DOCS -->\n{{ .Content }}\n<!-- END_TF_DOCS -->",
    );
    expect(config.sections.show).toEqual(
      expect.arrayContaining([
        "requirements",
        "providers",
        "resources",
        "data-sources",
        "inputs",
        "outputs",
      ]),
    );
    expect(config.sections.show).not.toContain("header");
    expect(config.sort).toEqual({ enabled: true, by: "required" });
    expect(config.settings).toMatchObject({
      anchor: true,
      escape: true,
      html: true,
      indent: 2,
      lockfile: false,
    });
  });

  describe("drives the generator", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "tfdocs-"));
      writeFileSync(
        join(dir, "main.tf"),
        `terraform {
  required_version = ">= 1.7"
  required_providers {
    aws = { source = "hashicorp/aws", version = "= 5.100.0" }
  }
}

variable "zone_name" {
  description = "Route53 zone_id or name: v1 | v2, see \`a_b | c\` and https://example.com/a_b."
  type        = string
}

variable "alpha_list" {
  description = <<-EOT
    First line about db_host.
    Second line.
  EOT
  type = object({
    name = string
  })
  default = { name = "x", b_key = ["p", "q"] }
}

variable "empty" {
  type    = list(string)
  default = []
}

data "aws_region" "current" {}
resource "aws_sns_topic" "this" {}

output "topic_arn" {
  value = aws_sns_topic.this.arn
}
`,
      );
      copyFileSync(CONFIG, join(dir, ".terraform-docs.yml"));
      writeFileSync(
        join(dir, "README.md"),
        "# x\n\n<!-- BEGIN_TF_DOCS -->\n<!-- END_TF_DOCS -->\n\nTail.\n",
      );
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const render = () => {
      const result = generate(["--module-dir", dir]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      return readFileSync(join(dir, "README.md"), "utf8");
    };

    test("escapes and formats cells as terraform-docs does", () => {
      const out = render();
      expect(out).toContain(
        '| <a name="input_zone_name"></a> [zone\\_name](#input\\_zone\\_name) | Route53 zone\\_id or name: v1 \\| v2, see `a_b | c` and https://example.com/a_b. | `string` | n/a | yes |',
      );
      expect(out).toContain(
        '| First line about db\\_host.<br/>Second line. | <pre>object({<br/>    name = string<br/>  })</pre> | <pre>{<br/>  "b_key": [<br/>    "p",<br/>    "q"<br/>  ],<br/>  "name": "x"<br/>}</pre> | no |',
      );
      expect(out).toContain(
        '| <a name="input_empty"></a> [empty](#input\\_empty) | n/a | `list(string)` | `[]` | no |',
      );
      expect(out).toContain(
        '| <a name="output_topic_arn"></a> [topic\\_arn](#output\\_topic\\_arn) | n/a |',
      );
      // An exact provider pin is the version in registry links.
      expect(out).toContain(
        "| [aws_sns_topic.this](https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/sns_topic) | resource |\n| [aws_region.current](https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/data-sources/region) | data source |",
      );
      expect(out).toMatch(/<!-- END_TF_DOCS -->\n\nTail\.\n$/);
    });

    test("sort.by and sections change the output; unsupported settings are refused by name", () => {
      const inputOrder = (text: string) =>
        [...text.matchAll(/<a name="input_([^"]+)">/g)].map((m) => m[1]);
      expect(inputOrder(render())).toEqual(["zone_name", "alpha_list", "empty"]);

      const configPath = join(dir, ".terraform-docs.yml");
      const original = readFileSync(configPath, "utf8");
      writeFileSync(
        configPath,
        original.replace("by: required", "by: name").replace("    - resources\n", ""),
      );
      const byName = render();
      expect(inputOrder(byName)).toEqual(["alpha_list", "empty", "zone_name"]);
      expect(byName).not.toContain("| resource |");
      expect(byName).toContain("| data source |");

      const refusals: Array<[string, string, string]> = [
        ["settings.lockfile", "lockfile: false", "lockfile: true"],
        ["settings.read-comments", "read-comments: false", "read-comments: true"],
        ["formatter", 'formatter: "markdown table"', 'formatter: "asciidoc"'],
      ];
      for (const [setting, from, to] of refusals) {
        writeFileSync(configPath, original.replace(from, to));
        const refused = generate(["--module-dir", dir]);
        expect({ setting, code: refused.status }).toEqual({ setting, code: 1 });
        expect(refused.stderr).toContain(setting);
      }
    });
  });
});

describe("the check fails on drift", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "readme-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const check = (path: string) => generate(["--check", "--readme", path]);

  test("a missing row", () => {
    const copy = join(dir, "README.md");
    writeFileSync(copy, readme.replace(/^\| <a name="input_db_port">.*\n/m, ""));
    const result = check(copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm run docs");
  });

  test("an edited description, while text outside the markers is free", () => {
    const copy = join(dir, "README.md");
    writeFileSync(copy, `Some words the lead wrote.\n${readme}`);
    expect(check(copy).status).toBe(0);
    writeFileSync(copy, readme.replace("Port of the PostgreSQL server.", "Port."));
    expect(check(copy).status).toBe(1);
  });
});

describe("the benchmark tables (scripts/bench-tables.mjs)", () => {
  const BENCH = join(PROJECT_ROOT, "scripts", "bench-tables.mjs");
  const RESULTS = join(PROJECT_ROOT, "bench", "results.json");
  const results = JSON.parse(readFileSync(RESULTS, "utf8")) as {
    refresh: Array<Record<string, number | boolean>>;
    rotation: Record<string, number>;
  };
  const bench = (args: readonly string[]) =>
    spawnSync(process.execPath, [BENCH, ...args], { encoding: "utf8" });
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bench-tables-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("README.md and bench/results.md are rendered from bench/results.json", () => {
    const result = bench(["--check"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("results.json has the refresh rows at the default settings and the rotation's numbers", () => {
    const defaults = results.refresh.filter((row) => row.defaultSettings === true);
    expect(defaults.map((row) => row.services)).toEqual([5, 20, 50, 100]);
    for (const row of results.refresh) {
      for (const field of [
        "services",
        "concurrency",
        "wallMs",
        "longestMs",
        "describeServicesCalls",
      ]) {
        expect(typeof row[field]).toBe("number");
      }
    }
    expect(typeof results.rotation.publishGapMs).toBe("number");
    const block = between(readme, "<!-- BEGIN_BENCH -->", "<!-- END_BENCH -->");
    const fifty = defaults.find((row) => row.services === 50);
    expect(block).toContain(`| 50 | ${fifty?.concurrency} (default) |`);
  });

  test("a changed number in results.json, or an edited table, fails the check", () => {
    const files = {
      readme: join(dir, "README.md"),
      report: join(dir, "results.md"),
      results: join(dir, "results.json"),
    };
    const args = ["--results", files.results, "--readme", files.readme, "--report", files.report];
    writeFileSync(files.readme, readme);
    copyFileSync(join(PROJECT_ROOT, "bench", "results.md"), files.report);
    copyFileSync(RESULTS, files.results);
    expect(bench(["--check", ...args]).status).toBe(0);

    const changed = structuredClone(results);
    changed.refresh[0] = {
      ...changed.refresh[0],
      wallMs: Number(changed.refresh[0]?.wallMs) + 1_000,
    };
    writeFileSync(files.results, JSON.stringify(changed));
    const drift = bench(["--check", ...args]);
    expect(drift.status).toBe(1);
    expect(drift.stderr).toContain("npm run docs");
    expect(bench(args).status).toBe(0);
    expect(bench(["--check", ...args]).status).toBe(0);

    writeFileSync(files.readme, readFileSync(files.readme, "utf8").replace("| 50 | ", "| 51 | "));
    expect(bench(["--check", ...args]).status).toBe(1);
  });
});
