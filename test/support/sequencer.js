/**
 * Jest's own order (last run's failures, then the longest files, then the largest), except that
 * the few long files start first, longest first. complete.test.ts spends about
 * four of its five minutes in the AWS provider's fixed waits on the RDS instance while the CPU
 * is idle: started first, that wait overlaps the rest of the run instead of ending it. On a
 * fresh clone jest knows no durations and orders by file size, which put complete.test.ts 29th
 * of 77 and static.test.ts 75th.
 */
const { existsSync } = require("node:fs");
const { join, relative, sep } = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

/**
 * Relative to the project root: every file that took 40 s or more in a serial run, longest
 * first (README "Testing"). Jest orders the rest; after a first run it knows their durations.
 */
const LONGEST = [
  "test/deploy/complete.test.ts",
  "test/module/terraform.test.ts",
  "test/module/plan-unknowns.test.ts",
  "test/module/cdktf.test.ts",
  "test/deploy/secrets-manager.test.ts",
  "test/static/static.test.ts",
  "test/deploy/apply.test.ts",
  "test/module/alternating-example.test.ts",
  "test/integration/refresh.test.ts",
];

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const rootDir = tests[0]?.context.config.rootDir;
    const gone = LONGEST.filter((file) => rootDir && !existsSync(join(rootDir, file)));
    if (gone.length > 0) {
      throw new Error(`test/support/sequencer.js names test files that do not exist: ${gone}`);
    }
    const rank = (test) => {
      const file = relative(test.context.config.rootDir, test.path).split(sep).join("/");
      const index = LONGEST.indexOf(file);
      return index === -1 ? LONGEST.length : index;
    };
    // Array.prototype.sort is stable: the other files keep jest's order.
    return super.sort(tests).sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirstSequencer;
