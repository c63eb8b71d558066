/**
 * The built Lambda bundle, the artifact users deploy: built by scripts/build.mjs's
 * buildZip() in a child node (the build script is ESM with top-level await, which jest's
 * CommonJS runtime cannot import), then index.js is extracted from the zip into a temp folder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readZipEntry, zipEntryNames } from "./zip";

export const PROJECT_ROOT = resolve(__dirname, "..", "..", "..");

// The path goes in through the environment: as argv[1] it would match build.mjs's "run as a
// script" guard, and importing it would also overwrite dist/rotator.zip.
const BUILD_TO_STDOUT = `
const { buildZip } = await import(process.env.ROTATION_TEST_BUILD_SCRIPT);
process.stdout.write((await buildZip()).toString("base64"));
`;

/** A fresh build of dist/rotator.zip's content (not written to dist/). */
export function buildZipBytes(): Buffer {
  const base64 = execFileSync(process.execPath, ["--input-type=module", "-e", BUILD_TO_STDOUT], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ROTATION_TEST_BUILD_SCRIPT: join(PROJECT_ROOT, "scripts", "build.mjs") },
  });
  const zip = Buffer.from(base64, "base64");
  if (zip.readUInt32LE(0) !== 0x04034b50)
    throw new Error("buildZip() did not return a zip archive");
  return zip;
}

export interface ExtractedBundle {
  readonly entryNames: readonly string[];
  /** Absolute path of the extracted index.js. */
  readonly indexFile: string;
  remove(): void;
}

export function extractBundle(zip: Buffer): ExtractedBundle {
  const dir = mkdtempSync(join(tmpdir(), "rotation-bundle-"));
  const indexFile = join(dir, "index.js");
  writeFileSync(indexFile, readZipEntry(zip, "index.js"));
  return {
    entryNames: zipEntryNames(zip),
    indexFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
