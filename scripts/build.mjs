#!/usr/bin/env node
/**
 * Builds dist/rotator.zip: the Lambda bundled by esbuild into index.mjs and its chunks (see
 * `ENTRY_FILE`), plus index.js (see `entryShim`), zipped byte-for-byte reproducibly (sorted
 * entries, fixed timestamp and mode, fixed compression), so registry users get exactly the
 * committed artifact and CI can prove it matches the source.
 *
 *   node scripts/build.mjs            write dist/rotator.zip
 *   node scripts/build.mjs --check    build in memory, fail if dist/rotator.zip differs
 */
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yazl from "yazl";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ZIP_PATH = join(root, "dist", "rotator.zip");
// The earliest time a zip (DOS) timestamp can hold; any fixed value works, this one says "not a real date".
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * pg picks its socket functions when lib/stream.js is first required, by probing for a
 * Cloudflare Worker: on Node 20 (no `navigator`) the probe constructs a fetch `Response`,
 * which loads Node's whole fetch implementation (undici) at init, for nothing. The Lambda is
 * never a Worker, so the bundle takes pg's own Node.js branch directly. The build fails if
 * pg's file no longer reads as expected, rather than shipping the probe again unnoticed.
 */
const pgNodeStreams = {
  name: "pg-node-streams",
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const probe = "const { getStream, getSecureStream } = getStreamFuncs()";
      if (!source.includes(probe) || !source.includes("function getNodejsStreamFuncs()")) {
        throw new Error(`${path} changed: review the pg-node-streams plugin in scripts/build.mjs`);
      }
      const nodeOnly = probe.replace("getStreamFuncs()", "getNodejsStreamFuncs()");
      return { contents: source.replace(probe, nodeOnly), loader: "js" };
    });
  },
};

/**
 * The bundle is an ES module split into chunks. Lambda's Node.js runtime is itself an ES
 * module that loads every handler with `import()` (aws-lambda-nodejs-runtime-interface-client,
 * src/function/module-loader.ts); a CommonJS bundle goes through Node's CommonJS translator on
 * that path, which costs about three times a native module's load. And with splitting, what
 * a run may never need is a chunk of its own, read only when first imported: the X-Ray Tracer
 * (`tracing_enabled`), the SNS and EventBridge clients (notifications), the Secrets Manager
 * store (`secret_store`) and the SDK's credential providers other than the environment's.
 * Chunk names carry a content hash, so the same sources give the same files.
 */
export const ENTRY_FILE = "index.mjs";

/**
 * index.js: Lambda's runtime looks for it before index.mjs (the older runtime client
 * `require`s it, the newer one `import()`s it), and so does any tool that loads a handler. It
 * hands over the ES module through Node's require(esm) (Node.js 22.12 and later, every runtime
 * the module accepts) and assigns each export by name, so that `import()` of it sees the same
 * names (Node finds a CommonJS file's exports by reading such assignments).
 */
function entryShim(exportNames) {
  const lines = [
    '"use strict";',
    "// The handler is the ES module index.mjs (scripts/build.mjs); this file loads it for",
    "// whoever asks for index.js, as Lambda's runtime does first.",
    'const handlerModule = require("./index.mjs");',
    ...exportNames.map((name) => `exports.${name} = handlerModule.${name};`),
    "",
  ];
  return ["index.js", lines.join("\n")];
}

// Some dependencies are CommonJS and `require` Node's built-ins, which an ES module must ask for.
const REQUIRE_SHIM =
  'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';

/** The bundle's files, name → contents: index.mjs (the handler), its chunks and index.js. */
export async function bundle() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: "lambda-src/handler.ts" },
    bundle: true,
    platform: "node",
    // The oldest runtime the module accepts (variables.tf `runtime`): nodejs22.x.
    target: "node22",
    format: "esm",
    splitting: true,
    outExtension: { ".js": ".mjs" },
    chunkNames: "[name]-[hash]",
    banner: { js: REQUIRE_SHIM },
    // Prefer the ESM builds: they tree-shake (the AWS SDK and zod shrink by more than half).
    mainFields: ["module", "main"],
    minify: true,
    // No keepNames: preserving every function's name costs a defineProperty per function at
    // init and 57 KB to parse (about 8 ms of cold init, npm run bench); nothing in the bundle
    // reads a function's name but error-message cosmetics, and no log line carries a stack.
    keepNames: false,
    legalComments: "eof",
    // pg loads these optionally; neither exists in (or is needed by) the Lambda runtime.
    external: ["pg-native", "cloudflare:sockets"],
    plugins: [pgNodeStreams],
    write: false,
    outdir: "bundle",
    metafile: true,
    logLevel: "warning",
  });
  const reachable = reachableFiles(result.metafile);
  const files = result.outputFiles
    .map((file) => [basename(file.path), file.contents])
    .filter(([name]) => reachable.has(name));
  const entry = Object.entries(result.metafile.outputs).find(
    ([path]) => basename(path) === ENTRY_FILE,
  );
  return [...files, entryShim([...(entry?.[1].exports ?? [])].sort())];
}

/**
 * The files index.mjs can load, by static or dynamic import. esbuild also writes a chunk for
 * a dynamic import inside code it then drops as unused (the AWS SDK's browser user-agent
 * parser); no file imports such a chunk, so it stays out of the zip.
 */
function reachableFiles(metafile) {
  const outputs = new Map(
    Object.entries(metafile.outputs).map(([path, output]) => [basename(path), output]),
  );
  const reachable = new Set();
  const visit = (name) => {
    if (reachable.has(name) || !outputs.has(name)) return;
    reachable.add(name);
    for (const { path, external } of outputs.get(name).imports) {
      if (!external) visit(basename(path));
    }
  };
  visit(ENTRY_FILE);
  return reachable;
}

export function zip(entries) {
  return new Promise((resolve, reject) => {
    const archive = new yazl.ZipFile();
    for (const [name, contents] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
      archive.addBuffer(Buffer.from(contents), name, {
        mtime: FIXED_MTIME,
        mode: 0o100644,
        compress: true,
        forceZip64Format: false,
      });
    }
    archive.end();
    const chunks = [];
    archive.outputStream.on("data", (chunk) => chunks.push(chunk));
    archive.outputStream.on("error", reject);
    archive.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

export async function buildZip() {
  return zip(await bundle());
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function main() {
  const fresh = await buildZip();
  if (process.argv.includes("--check")) {
    const committed = existsSync(ZIP_PATH) ? readFileSync(ZIP_PATH) : Buffer.alloc(0);
    if (!fresh.equals(committed)) {
      console.error(
        `build: dist/rotator.zip is stale (committed ${sha256(committed).slice(0, 12)}, fresh ${sha256(fresh).slice(0, 12)}); run \`npm run build\` and commit it`,
      );
      process.exit(1);
    }
    console.log(
      `build: dist/rotator.zip is up to date (${fresh.length} bytes, sha256 ${sha256(fresh)})`,
    );
    return;
  }
  mkdirSync(dirname(ZIP_PATH), { recursive: true });
  writeFileSync(ZIP_PATH, fresh);
  console.log(`build: wrote dist/rotator.zip (${fresh.length} bytes, sha256 ${sha256(fresh)})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
