/**
 * The README's inputs and outputs tables (between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->)
 * match variables.tf and outputs.tf. scripts/readme-tables.mjs writes them (`npm run docs`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT, parseHcl } from "./module-files";

const GENERATOR = join(PROJECT_ROOT, "scripts", "readme-tables.mjs");
const README = join(PROJECT_ROOT, "README.md");

function checkReadme(path: string) {
  return spawnSync(process.execPath, [GENERATOR, "--check", "--readme", path], {
    encoding: "utf8",
  });
}

async function namesIn(file: string, kind: "variable" | "output"): Promise<string[]> {
  const blocks = (await parseHcl(file))[kind] as Record<string, unknown> | undefined;
  return Object.keys(blocks ?? {});
}

function generatedBlock(readme: string): string {
  const begin = readme.indexOf("<!-- BEGIN_TF_DOCS -->");
  const end = readme.indexOf("<!-- END_TF_DOCS -->");
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(begin);
  return readme.slice(begin, end);
}

test("README.md's tables are current (run `npm run docs` if this fails)", () => {
  const result = checkReadme(README);
  expect({ code: result.status, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
});

test("every variable and output has its row", async () => {
  const block = generatedBlock(readFileSync(README, "utf8"));
  const rows = new Set([...block.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]));
  const expected = [
    ...(await namesIn("variables.tf", "variable")),
    ...(await namesIn("outputs.tf", "output")),
  ];
  expect(expected.length).toBeGreaterThan(40);
  expect([...rows].sort()).toEqual([...new Set(expected)].sort());
});

describe("the check fails on drift", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "readme-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("a missing row", () => {
    const copy = join(dir, "README.md");
    writeFileSync(copy, readFileSync(README, "utf8").replace(/^\| `db_port` \|.*\n/m, ""));
    const result = checkReadme(copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm run docs");
  });

  test("an edited description, while text outside the markers is free", () => {
    const copy = join(dir, "README.md");
    const original = readFileSync(README, "utf8");
    writeFileSync(copy, `Some words the lead wrote.\n${original}`);
    expect(checkReadme(copy).status).toBe(0);
    writeFileSync(copy, original.replace("Port of the PostgreSQL server.", "Port."));
    expect(checkReadme(copy).status).toBe(1);
  });
});
