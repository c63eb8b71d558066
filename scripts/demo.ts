/**
 * `npm run demo`: one real rotation, end to end, in about ten seconds.
 *
 * Starts a throwaway PostgreSQL 15 (TLS, SCRAM) and the AWS emulator, seeds a role, its SSM
 * parameters and an ECS service, builds the Lambda bundle exactly as `npm run build` does,
 * runs one rotation through it in a separate `node` process (the way the Lambda runtime
 * loads it), prints every step, then proves the result. No password is ever printed: only
 * SHA-256 fingerprints. Exits non-zero if any step or check fails; always cleans up.
 * With `-- --store secretsmanager`, the rotation goes through Secrets Manager's four steps
 * (scripts/lib/demo-secrets-manager.ts).
 */
import { performance } from "node:perf_hooks";
import { runScript, type Cleanup } from "./lib/cleanup";
import {
  Checks,
  checkNoLeaks,
  finished,
  fingerprint,
  heading,
  info,
  printDeployments,
} from "./lib/demo-output";
import { demoSecretsManager } from "./lib/demo-secrets-manager";
import { LambdaProcess } from "./lib/lambda-process";
import { prepareStackAndBundle } from "./lib/prepare";
import { formatLambdaLine } from "./lib/step-lines";

async function demo(cleanup: Cleanup): Promise<boolean> {
  const started = performance.now();
  const checks = new Checks();

  heading("1. Start a throwaway PostgreSQL and the AWS emulator; seed them; build the bundle");
  const { stack, bundle } = await prepareStackAndBundle(cleanup, "demo", info);
  info(
    `built rotator.zip with scripts/build.mjs: ${bundle.zipBytes} bytes (${(bundle.zipBytes / 1024).toFixed(1)} KB); extracted index.js, index.mjs and its chunks`,
  );
  const { names } = stack;
  const oldPassword = stack.initialPassword;
  const deploymentsBefore = await stack.deployments();
  printDeployments(`ECS service ${names.service}, deployments before`, deploymentsBefore);

  heading(
    "2. Run one rotation through the bundle (a separate node process, like the Lambda runtime)",
  );
  const { process: lambda, initMs } = await LambdaProcess.start({
    indexPath: bundle.indexPath,
    env: stack.lambdaEnv,
    onLine: (line) => {
      const shown = formatLambdaLine(line);
      if (shown !== undefined) console.log(shown);
    },
  });
  cleanup.add("stop the Lambda process", () => lambda.kill());
  info(`bundle loaded in ${initMs.toFixed(0)} ms; invoking handler({ action: "rotate" })`);
  const outcome = await lambda.invoke({ action: "rotate" });
  await lambda.close();
  if (!outcome.ok) {
    const { name, message } = outcome.error;
    console.log(`\n   the rotation failed: ${name}: ${message}`);
    return false;
  }
  const result = outcome.result as { outcome?: unknown; publishGapMs?: unknown };
  info(
    `handler returned outcome=${String(result.outcome)} in ${outcome.ms.toFixed(0)} ms (publish gap ${String(result.publishGapMs)} ms)`,
  );

  heading("3. What changed");
  const deploymentsAfter = await stack.deployments();
  printDeployments(`ECS service ${names.service}, deployments after`, deploymentsAfter);
  const idsBefore = new Set(deploymentsBefore.map((d) => d.id));
  checks.check(
    deploymentsAfter.some((d) => d.status === "PRIMARY" && !idsBefore.has(d.id)),
    "ECS service has a new PRIMARY deployment",
  );

  const password = await stack.readParameter(names.passwordParameter);
  const databaseUrl = await stack.readParameter(names.databaseUrlParameter);
  const pending = await stack.readParameter(names.pendingParameter);
  if (!password || !databaseUrl)
    throw new Error("a parameter the demo seeded is gone after the rotation");
  const newPassword = password.value;
  info(
    `password fingerprint (SHA-256, first 8 hex): old ${fingerprint(oldPassword)}, new ${fingerprint(newPassword)}`,
  );
  checks.check(newPassword !== oldPassword, "the password parameter holds a new password");
  checks.check(
    password.type === "SecureString" && databaseUrl.type === "SecureString",
    "both parameters are SecureString",
  );
  checks.check(
    databaseUrl.value === stack.expectedDatabaseUrl(newPassword),
    "DATABASE_URL carries the new password",
  );
  checks.check(pending === undefined, "the pending parameter is gone");

  heading("4. Proof against the database (fresh verify-full TLS connections)");
  checks.check(
    !(await stack.pg.canLogin(names.role, oldPassword)),
    "old password rejected",
    "old password still accepted",
  );
  checks.check(
    await stack.pg.canLogin(names.role, newPassword),
    "new password accepted",
    "new password rejected",
  );
  const texts = { lambdaOutput: lambda.output.join("\n"), serverLog: stack.pg.readServerLog() };
  checkNoLeaks(checks, texts, { "old password": oldPassword, "new password": newPassword });
  return finished(checks, started, "rotated, verified, published, refreshed");
}

// `npm run demo -- --store secretsmanager`: the same rotation through Secrets Manager's steps.
const store = process.argv[process.argv.indexOf("--store") + 1];
if (process.argv.includes("--store") && store !== "ssm" && store !== "secretsmanager") {
  console.error("usage: npm run demo [-- --store ssm|secretsmanager]");
  process.exit(2);
}
runScript("demo", store === "secretsmanager" ? demoSecretsManager : demo);
