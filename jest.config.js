/**
 * Four projects, one `npm test`:
 * - unit: pure logic, in-process SDK mocks at most; no services.
 * - integration: the Lambda against a throwaway PostgreSQL cluster and the moto server,
 *   started once per run by test/support/global-setup.ts; test/deploy applies an example
 *   with Terraform to that emulator and runs the deployed code against that cluster.
 * - module: the Terraform module (fmt, validate, terraform test, cdktf, checkov, contracts).
 * - static: typecheck, lint and formatting, so CI and `npm test` enforce them too.
 */
// Transpile only (tsconfig has isolatedModules): `npm run typecheck`, run by test/static, checks types.
const tsJest = ["ts-jest", {}];
const common = { transform: { "^.+\\.ts$": tsJest }, testEnvironment: "node" };

module.exports = {
  // Files run in parallel workers; the tests keep apart by unique names on the shared cluster
  // and emulator. Three on the 2-core reference machine: one of them mostly waits on
  // complete.test.ts's RDS instance (test/support/sequencer.js starts it first), the other two
  // keep both cores busy with the rest. Jest's default there is one worker, which ran all 77
  // files one after the other.
  maxWorkers: 3,
  testSequencer: "<rootDir>/test/support/sequencer.js",
  // Per-project testTimeout is ignored by jest-circus; integration and module tests start
  // real servers and CLIs, so one generous global limit it is.
  testTimeout: 300000,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts", "<rootDir>/test/deploy/**/*.test.ts"],
      globalSetup: "<rootDir>/test/support/global-setup.ts",
      globalTeardown: "<rootDir>/test/support/global-teardown.ts",
    },
    {
      ...common,
      displayName: "module",
      testMatch: ["<rootDir>/test/module/**/*.test.ts"],
    },
    {
      ...common,
      displayName: "static",
      testMatch: ["<rootDir>/test/static/**/*.test.ts"],
    },
  ],
};
