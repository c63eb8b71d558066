/**
 * The built Lambda bundle, the artifact users deploy: built exactly as `npm run build` does
 * (scripts/build.mjs), but into a caller-owned folder, so tests, the demo and the benchmark
 * exercise the shipped artifact without touching the committed dist/rotator.zip.
 *
 * Jest's global setup builds it once per run through `buildBundle`, in a child node with tsx:
 * scripts/build.mjs is ESM with top-level await, which jest's CommonJS runtime cannot import.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "./tools";
import { extractZip } from "./unzip";

/** The part of scripts/build.mjs this file relies on (plain JavaScript: no types ship with it). */
interface BuildModule {
  buildZip(): Promise<Buffer>;
}

export interface BuiltBundle {
  readonly zipPath: string;
  readonly zipBytes: number;
  /**
   * The extracted index.js, what the runtime loads first as `index.handler`: it requires the
   * ES module index.mjs beside it, with its chunks.
   */
  readonly indexPath: string;
}

async function loadBuildModule(): Promise<BuildModule> {
  // A computed specifier keeps tsc from resolving the untyped .mjs; the shape is checked below.
  const specifier = pathToFileURL(join(PROJECT_ROOT, "scripts", "build.mjs")).href;
  const mod = (await import(specifier)) as Partial<BuildModule>;
  if (typeof mod.buildZip !== "function") {
    throw new Error(
      "scripts/build.mjs no longer exports buildZip(); update test/support/bundle.ts",
    );
  }
  return mod as BuildModule;
}

/** Builds rotator.zip into `dir` and extracts its files next to it (in this process). */
export async function buildBundleInto(dir: string): Promise<BuiltBundle> {
  const { buildZip } = await loadBuildModule();
  const zip = Buffer.from(await buildZip());
  mkdirSync(dir, { recursive: true });
  const zipPath = join(dir, "rotator.zip");
  const indexPath = join(dir, "index.js");
  writeFileSync(zipPath, zip);
  extractZip(zip, dir);
  return { zipPath, zipBytes: zip.length, indexPath };
}

// Paths go in through the environment, so nothing needs quoting in the evaluated code.
const BUILD_INTO_DIR = `
require(process.env.ROTATION_TEST_BUNDLE_LIB)
  .buildBundleInto(process.env.ROTATION_TEST_BUNDLE_DIR)
  .then((built) => process.stdout.write(JSON.stringify(built)));
`;

/** `buildBundleInto`, run in a child node (for jest, which cannot import build.mjs). */
export function buildBundle(dir: string): BuiltBundle {
  const output = execFileSync(process.execPath, ["--import", "tsx", "-e", BUILD_INTO_DIR], {
    // `--import tsx` resolves from the working directory.
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      ROTATION_TEST_BUNDLE_LIB: join(PROJECT_ROOT, "test", "support", "bundle.ts"),
      ROTATION_TEST_BUNDLE_DIR: dir,
    },
  });
  return JSON.parse(output) as BuiltBundle;
}
