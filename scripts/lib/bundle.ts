/**
 * Builds the Lambda bundle exactly as `npm run build` does (scripts/build.mjs), but into a
 * caller-owned folder, so the demo and the benchmark exercise the shipped artifact without
 * touching the committed dist/rotator.zip.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { extractSingleEntry } from "./unzip";

export const REPO_ROOT = resolve(__dirname, "..", "..");

/** The part of scripts/build.mjs this file relies on (it is plain JavaScript, so no types ship with it). */
interface BuildModule {
  buildZip(): Promise<Buffer>;
}

export interface BuiltBundle {
  readonly zipPath: string;
  readonly zipBytes: number;
  /** The extracted single entry: what the Lambda runtime loads as `index.handler`. */
  readonly indexPath: string;
}

async function loadBuildModule(): Promise<BuildModule> {
  // A computed specifier keeps tsc from resolving the untyped .mjs; the shape is checked below.
  const specifier = pathToFileURL(join(REPO_ROOT, "scripts", "build.mjs")).href;
  const mod = (await import(specifier)) as Partial<BuildModule>;
  if (typeof mod.buildZip !== "function") {
    throw new Error("scripts/build.mjs no longer exports buildZip(); update scripts/lib/bundle.ts");
  }
  return mod as BuildModule;
}

/** Builds rotator.zip into `dir` and extracts its index.js next to it. */
export async function buildBundleInto(dir: string): Promise<BuiltBundle> {
  const { buildZip } = await loadBuildModule();
  const zip = Buffer.from(await buildZip());
  mkdirSync(dir, { recursive: true });
  const zipPath = join(dir, "rotator.zip");
  const indexPath = join(dir, "index.js");
  writeFileSync(zipPath, zip);
  writeFileSync(indexPath, extractSingleEntry(zip, "index.js"));
  return { zipPath, zipBytes: zip.length, indexPath };
}
