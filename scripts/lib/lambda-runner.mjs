/**
 * A stand-in for the Lambda Node.js runtime, run as a child process by scripts/lib/lambda-process.ts:
 * it loads the bundle's index.js once (the cold init, as the runtime loads it: load-handler.mjs), then invokes `handler(event, context)`
 * each time the parent asks, like one warm execution environment.
 *
 *   node lambda-runner.mjs <path to index.js>      (forked with an IPC channel)
 *
 * The handler's own output (JSON logs, EMF metrics) goes to stdout untouched. The runner adds
 * one line per event to the same stream, after everything the handler wrote, so the parent
 * reads logs and results in order: {"__lambdaRunner": "ready" | "result" | "usage", ...}.
 * Plain JavaScript because it must run on bare `node`, the way the Lambda runtime does.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { loadHandlerModule } from "../../test/support/load-handler.mjs";

const MARKER = "__lambdaRunner";
const TIMEOUT_MS = 300_000;

const indexPath = process.argv[2];
if (!indexPath || typeof process.send !== "function") {
  console.error("usage: fork lambda-runner.mjs <index.js> with an IPC channel");
  process.exit(2);
}

/** Pipes are synchronous on Linux, so this line lands after all of the handler's output. */
const emit = (type, fields) =>
  process.stdout.write(`${JSON.stringify({ [MARKER]: type, ...fields })}\n`);

/** Only the fields an operator needs; RotationError carries no secrets by construction. */
function describe(error) {
  if (!(error instanceof Error)) return { name: "NonError", message: String(error) };
  const { step, kind } = /** @type {{ step?: unknown, kind?: unknown }} */ (error);
  return { name: error.name, message: error.message, step, kind };
}

function fakeContext(functionName) {
  const deadline = Date.now() + TIMEOUT_MS;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const started = performance.now();
let handler;
try {
  handler = (await loadHandlerModule(indexPath)).handler;
} catch (error) {
  emit("ready", { ok: false, error: describe(error) });
  process.exit(1);
}
if (typeof handler !== "function") {
  emit("ready", {
    ok: false,
    error: { name: "TypeError", message: `${indexPath} exports no handler function` },
  });
  process.exit(1);
}
emit("ready", { ok: true, initMs: performance.now() - started });

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "rds-secret-rotation";

process.on("message", async (message) => {
  if (message.type === "invoke") {
    const begun = performance.now();
    try {
      const result = await handler(message.event, fakeContext(functionName));
      emit("result", { id: message.id, ok: true, ms: performance.now() - begun, result });
    } catch (error) {
      emit("result", {
        id: message.id,
        ok: false,
        ms: performance.now() - begun,
        error: describe(error),
      });
    }
  } else if (message.type === "exit") {
    // maxRSS is in kilobytes.
    emit("usage", { maxRssKb: process.resourceUsage().maxRSS });
    // Exit even if the handler left sockets or timers behind: the runtime would freeze them.
    process.exit(0);
  }
});
