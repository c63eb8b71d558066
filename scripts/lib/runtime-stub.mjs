/**
 * The cold-start benchmark's stand-in for the Lambda Node.js runtime (scripts/lib/cold-start.ts):
 * an ES module, as the runtime's entry point is, that loads the handler module named by its
 * argument the way the runtime does (load-handler.mjs) and exits. Without an argument it loads
 * nothing: the bare process the handler's cost is measured against.
 *
 *   node runtime-stub.mjs [<path to index.js>]
 */
import { loadHandlerModule } from "../../test/support/load-handler.mjs";

const file = process.argv[2];
if (file !== undefined) {
  const handlerModule = await loadHandlerModule(file);
  if (typeof handlerModule.handler !== "function") {
    process.stderr.write(`${file} exports no handler function\n`);
    process.exit(3);
  }
}
