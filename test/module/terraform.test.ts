/**
 * The Terraform CLI's own checks on the module and its examples, offline: formatting,
 * init + validate, and the `terraform test` suites in tests/ (mocked AWS provider), found by a
 * plain `terraform test` in the module root as Terraform looks there by default.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runTerraform } from "../support/terraform";
import {
  PROJECT_ROOT,
  exampleDirs,
  expectSuccess,
  initWorkdir,
  moduleCall,
  type Workdir,
} from "./module-files";

test("every .tf, .tfvars and .tftest.hcl file is formatted (terraform fmt -check)", () => {
  // The root non-recursively: a recursive run from the root would also walk node_modules.
  for (const target of [".", "examples", "tests"]) {
    const args = [
      "fmt",
      "-check",
      "-list=true",
      "-no-color",
      ...(target === "." ? [] : ["-recursive"]),
      target,
    ];
    const result = runTerraform(args, { cwd: PROJECT_ROOT });
    expect({ target, unformatted: result.stdout.trim(), code: result.code }).toEqual({
      target,
      unformatted: "",
      code: 0,
    });
  }
});

describe("the module (repository root)", () => {
  let root: Workdir;
  beforeAll(() => {
    root = initWorkdir(PROJECT_ROOT);
  });
  afterAll(() => root?.cleanup());

  test("validates", () => {
    const args = ["validate", "-no-color"];
    expect(expectSuccess(args, root.run(args)).stdout).toContain("Success!");
  });

  test("passes its terraform test suites (mocked AWS provider)", () => {
    const args = ["test", "-no-color"];
    const { stdout } = expectSuccess(args, root.run(args));
    const summary = /(Success|Failure)! (\d+) passed, (\d+) failed/.exec(stdout);
    expect(summary?.[1]).toBe("Success");
    // Both suites ran: the wiring checks and one run per group of validations.
    expect(stdout).toContain("module.tftest.hcl... pass");
    expect(stdout).toContain("validations.tftest.hcl... pass");
    expect(stdout).toContain("alternating.tftest.hcl... pass");
    expect(stdout).toContain("refresh.tftest.hcl... pass");
    expect(stdout).toContain("secrets-manager.tftest.hcl... pass");
    expect(Number(summary?.[2])).toBeGreaterThanOrEqual(25);
  });
});

// A default name would collide when the module is used twice in one account (IAM roles are
// global), so a call without one must fail before anything is planned.
test("a module call without a name is rejected", () => {
  const dir = mkdtempSync(join(tmpdir(), "tf-no-name-"));
  try {
    writeFileSync(join(dir, "main.tf"), `${moduleCall("rotation", dir, [])}\n`);
    const workdir = initWorkdir(dir);
    try {
      const result = workdir.run(["validate", "-no-color"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('The argument "name" is required');
    } finally {
      workdir.cleanup();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.each(exampleDirs().map((dir) => [relative(PROJECT_ROOT, dir), dir]))(
  "%s",
  (_name, dir) => {
    test("initialises offline and validates", () => {
      const workdir = initWorkdir(dir);
      try {
        const args = ["validate", "-no-color"];
        expect(expectSuccess(args, workdir.run(args)).stdout).toContain("Success!");
      } finally {
        workdir.cleanup();
      }
    });
  },
);

test("there are examples to check", () => {
  expect(
    exampleDirs()
      .map((dir) => relative(PROJECT_ROOT, dir))
      .sort(),
  ).toEqual(
    expect.arrayContaining([
      "examples/complete",
      "examples/existing-infrastructure",
      "examples/alternating-users",
      "examples/secrets-manager",
    ]),
  );
});
