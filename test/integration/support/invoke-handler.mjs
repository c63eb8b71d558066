/**
 * Runs one Lambda invocation in its own process, the way the Lambda runtime would: loads a
 * handler module (the extracted bundle's index.js), calls it with a rotate event and a
 * context, and exits. stdout/stderr carry only what the Lambda itself prints (its logs);
 * the outcome goes to the JSON file named by ROTATION_TEST_RESULT_FILE.
 *
 * ROTATION_TEST_KILL_AFTER=<step> builds the handler with a hook that SIGKILLs this process
 * right after that step: a real crash, no cleanup code runs.
 * ROTATION_TEST_REMAINING_MS sets the context's remaining time (the run's lease).
 *
 *   node invoke-handler.mjs <module path>
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";

const require = createRequire(import.meta.url);
const lambda = require(process.argv[2]);
const killAfter = process.env.ROTATION_TEST_KILL_AFTER;
const remainingMs = Number(process.env.ROTATION_TEST_REMAINING_MS ?? "60000");
const resultFile = process.env.ROTATION_TEST_RESULT_FILE;

const handler = killAfter
  ? lambda.createHandler({
      hooks: {
        afterStep: (step) => {
          if (step === killAfter) process.kill(process.pid, "SIGKILL");
        },
      },
    })
  : lambda.handler;

const deadline = Date.now() + remainingMs;
const context = {
  awsRequestId: randomUUID(),
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};

let outcome;
try {
  outcome = { ok: true, result: await handler({ action: "rotate" }, context) };
} catch (error) {
  outcome = {
    ok: false,
    error: {
      name: error?.name,
      message: error?.message,
      stack: error?.stack,
      kind: error?.kind,
      step: error?.step,
    },
  };
}
if (resultFile) writeFileSync(resultFile, JSON.stringify(outcome));
process.exitCode = outcome.ok ? 0 : 1;
