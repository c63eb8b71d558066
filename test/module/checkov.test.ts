/**
 * checkov (pinned in test/support/requirements.txt) on the module and its examples: no failed
 * check, and every skipped check is an inline `#checkov:skip=CKV_...:reason` with its reason.
 */
import { spawnSync } from "node:child_process";
import { tools } from "../support/tools";
import { PROJECT_ROOT } from "./module-files";

interface CheckRecord {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
  readonly check_result: { readonly result: string; readonly suppress_comment?: string };
}

interface CheckovReport {
  readonly check_type: string;
  readonly results: {
    readonly passed_checks: readonly CheckRecord[];
    readonly failed_checks: readonly CheckRecord[];
    readonly skipped_checks: readonly CheckRecord[];
    readonly parsing_errors: readonly string[];
  };
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number };
}

let report: CheckovReport;

beforeAll(() => {
  const result = spawnSync(
    tools().checkovBin,
    [
      "--directory",
      ".",
      "--framework",
      "terraform",
      "--output",
      "json",
      "--compact",
      "--skip-download", // offline: no guideline or policy download
      // checkov skips every path that contains a --skip-path as a substring or matches it as a
      // regex, and it looks at absolute paths: a bare "test" skipped everything in a checkout
      // under e.g. /work/wt/test-speed. Anchored, it names these folders only.
      "--skip-path",
      "/(node_modules|test|tests|dist)$",
    ],
    { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
  );
  if (result.error) throw result.error;
  // checkov exits 1 when a check fails; the report says which, so parse it either way.
  try {
    report = JSON.parse(result.stdout) as CheckovReport;
  } catch {
    throw new Error(
      `checkov printed no JSON report (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
});

const describeCheck = (c: CheckRecord) =>
  `${c.check_id} ${c.check_name} (${c.resource} in ${c.file_path})`;

test("checkov scanned the module and every example", () => {
  const files = new Set(
    [...report.results.passed_checks, ...report.results.failed_checks].map((c) => c.file_path),
  );
  expect([...files]).toEqual(
    expect.arrayContaining([
      "/iam.tf",
      "/network.tf",
      "/examples/complete/database.tf",
      "/examples/complete/ecs.tf",
      "/examples/alternating-users/main.tf",
      "/examples/secrets-manager/app.tf",
      "/strategy.tf",
      "/secrets-manager.tf",
    ]),
  );
  // The function's checks run through the examples' module calls.
  expect(
    report.results.passed_checks.some((c) =>
      c.resource.startsWith("module.rotation.aws_lambda_function"),
    ),
  ).toBe(true);
  expect(report.results.parsing_errors).toEqual([]);
});

test("no check fails", () => {
  expect(report.results.failed_checks.map(describeCheck)).toEqual([]);
});

test("every skip is inline and gives its reason", () => {
  const unexplained = report.results.skipped_checks.filter((c) => {
    const reason = c.check_result.suppress_comment ?? "";
    return reason.length < 20 || reason === "No comment provided";
  });
  expect(unexplained.map(describeCheck)).toEqual([]);
  // Reported for the record; a new skip shows up in the test output and in review.
  const reasons = new Set(
    report.results.skipped_checks.map((c) => `${c.check_id}: ${c.check_result.suppress_comment}`),
  );
  console.log(
    `checkov: ${report.summary.passed} passed, ${report.summary.failed} failed, ${report.summary.skipped} skipped\n${[...reasons].join("\n")}`,
  );
});
