/**
 * Runs one Lambda invocation in its own process, the way the Lambda runtime would: loads a
 * handler module (the extracted bundle's index.js, as the runtime does: load-handler.mjs), calls it with an event and a context, and
 * exits. stdout/stderr carry only what the Lambda itself prints (its logs); the outcome goes
 * to the JSON file named by the settings.
 *
 *   node invoke-handler.mjs <module path> <settings JSON>
 *
 * The settings travel as an argument, not in the environment, so the handler sees exactly the
 * environment its caller chose: { resultFile, remainingMs, event, killAfter? }.
 * killAfter=<step> builds the handler with a hook that SIGKILLs this process right after that
 * step: a real crash, no cleanup code runs. remainingMs sets the context's remaining time
 * (the run's lease).
 */
import { writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { loadHandlerModule } from "../../support/load-handler.mjs";

const lambda = await loadHandlerModule(process.argv[2]);
const { resultFile, remainingMs, event, killAfter } = JSON.parse(process.argv[3]);

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
  outcome = { ok: true, result: await handler(event, context) };
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
writeFileSync(resultFile, JSON.stringify(outcome));
process.exitCode = outcome.ok ? 0 : 1;
