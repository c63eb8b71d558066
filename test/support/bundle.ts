/**
 * The built Lambda bundle, the artifact users deploy, built once per jest run by the global
 * setup. It is the demo's and the benchmark's build (scripts/lib/bundle.ts), run in a child
 * node with tsx: scripts/build.mjs is ESM with top-level await, which jest's CommonJS
 * runtime cannot import.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { BuiltBundle } from "../../scripts/lib/bundle";
import { PROJECT_ROOT } from "./tools";

export type { BuiltBundle } from "../../scripts/lib/bundle";

// Paths go in through the environment, so nothing needs quoting in the evaluated code.
const BUILD_INTO_DIR = `
require(process.env.ROTATION_TEST_BUNDLE_LIB)
  .buildBundleInto(process.env.ROTATION_TEST_BUNDLE_DIR)
  .then((built) => process.stdout.write(JSON.stringify(built)));
`;

/** Builds rotator.zip into `dir` (not into dist/) and extracts its index.js next to it. */
export function buildBundle(dir: string): BuiltBundle {
  const output = execFileSync(process.execPath, ["--import", "tsx", "-e", BUILD_INTO_DIR], {
    // `--import tsx` resolves from the working directory.
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      ROTATION_TEST_BUNDLE_LIB: join(PROJECT_ROOT, "scripts", "lib", "bundle.ts"),
      ROTATION_TEST_BUNDLE_DIR: dir,
    },
  });
  return JSON.parse(output) as BuiltBundle;
}
