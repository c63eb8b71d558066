/**
 * `npm run demo`: one real rotation, end to end, in about ten seconds.
 *
 * Starts a throwaway PostgreSQL 15 (TLS, SCRAM) and the AWS emulator, seeds a role, its SSM
 * parameters and an ECS service, builds the Lambda bundle exactly as `npm run build` does,
 * runs one rotation through it in a separate `node` process (the way the Lambda runtime
 * loads it), prints every step, then proves the result. No password is ever printed: only
 * SHA-256 fingerprints. Exits non-zero if any step or check fails; always cleans up.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { runScript, type Cleanup } from "./lib/cleanup";
import { LambdaProcess } from "./lib/lambda-process";
import { findLeaks } from "../test/support/secret-scan";
import { prepareStackAndBundle } from "./lib/prepare";
import type { Deployment } from "./lib/stack";
import { formatLambdaLine } from "./lib/step-lines";

const fingerprint = (secret: string) =>
  createHash("sha256").update(secret).digest("hex").slice(0, 8);
const heading = (text: string) => console.log(`\n== ${text}`);
const info = (text: string) => console.log(`   ${text}`);

/** Collects pass/fail checks so every one is printed even after the first failure. */
class Checks {
  failed = 0;
  check(ok: boolean, passed: string, failed: string = passed): boolean {
    console.log(ok ? `   ${passed} ✔` : `   ${failed} ✘`);
    if (!ok) this.failed++;
    return ok;
  }
}

function printDeployments(label: string, deployments: readonly Deployment[]) {
  info(`${label}:`);
  for (const d of deployments) {
    info(`  ${d.status.padEnd(8)} ${d.id}  created ${d.createdAt?.toISOString() ?? "?"}`);
  }
}

async function demo(cleanup: Cleanup): Promise<boolean> {
  const started = performance.now();
  const checks = new Checks();

  heading("1. Start a throwaway PostgreSQL and the AWS emulator; seed them; build the bundle");
  const { stack, bundle } = await prepareStackAndBundle(cleanup, "demo", info);
  info(
    `built rotator.zip with scripts/build.mjs: ${bundle.zipBytes} bytes (${(bundle.zipBytes / 1024).toFixed(1)} KB); extracted its index.js`,
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
  const secrets = { "old password": oldPassword, "new password": newPassword };
  const leaks = [
    ...findLeaks(lambda.output.join("\n"), "the Lambda's output", secrets),
    ...findLeaks(stack.pg.readServerLog(), "the PostgreSQL statement log", secrets),
  ];
  for (const leak of leaks)
    console.log(`   LEAK: ${leak.secret} (${leak.spelling}) in ${leak.where} ✘`);
  checks.check(
    leaks.length === 0,
    "no password in the Lambda's logs or the PostgreSQL statement log",
  );

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  heading(
    checks.failed === 0
      ? `Done in ${seconds} s: rotated, verified, published, refreshed.`
      : `${checks.failed} check(s) failed (${seconds} s)`,
  );
  return checks.failed === 0;
}

runScript("demo", demo);
