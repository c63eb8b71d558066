/**
 * Loads a handler module the way Lambda's Node.js runtime does: an ES module (`.mjs`) with
 * `import()`, anything else (such as the bundle's index.js, which requires its index.mjs) with
 * `require`
 * (aws-lambda-nodejs-runtime-interface-client, src/UserFunction.js). The runtime is itself an
 * ES module, so Node's ES module loader is already running when the handler loads; whoever
 * runs this file is too. Plain JavaScript: it runs on bare `node`, as the runtime does.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** The module's exports (`handler`, and `createHandler` for the tests' crash hooks). */
export async function loadHandlerModule(file) {
  return file.endsWith(".mjs")
    ? await import(pathToFileURL(file).href)
    : createRequire(import.meta.url)(file);
}
