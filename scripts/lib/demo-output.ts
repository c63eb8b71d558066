/**
 * How the demo prints: headings, indented lines, pass/fail checks, and SHA-256 fingerprints
 * in place of passwords (shared by both stores' demos).
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { findLeaks } from "../../test/support/secret-scan";
import type { Deployment } from "./stack";

export const fingerprint = (secret: string) =>
  createHash("sha256").update(secret).digest("hex").slice(0, 8);
export const heading = (text: string) => console.log(`\n== ${text}`);
export const info = (text: string) => console.log(`   ${text}`);

/** Collects pass/fail checks so every one is printed even after the first failure. */
export class Checks {
  failed = 0;
  check(ok: boolean, passed: string, failed: string = passed): boolean {
    console.log(ok ? `   ${passed} ✔` : `   ${failed} ✘`);
    if (!ok) this.failed++;
    return ok;
  }
}

export function printDeployments(label: string, deployments: readonly Deployment[]) {
  info(`${label}:`);
  for (const d of deployments) {
    info(`  ${d.status.padEnd(8)} ${d.id}  created ${d.createdAt?.toISOString() ?? "?"}`);
  }
}

/** Scans the Lambda's output and the server's statement log for every spelling of `secrets`. */
export function checkNoLeaks(
  checks: Checks,
  texts: { readonly lambdaOutput: string; readonly serverLog: string },
  secrets: Readonly<Record<string, string>>,
): void {
  const leaks = [
    ...findLeaks(texts.lambdaOutput, "the Lambda's output", secrets),
    ...findLeaks(texts.serverLog, "the PostgreSQL statement log", secrets),
  ];
  for (const leak of leaks)
    console.log(`   LEAK: ${leak.secret} (${leak.spelling}) in ${leak.where} ✘`);
  checks.check(
    leaks.length === 0,
    "no password in the Lambda's logs or the PostgreSQL statement log",
  );
}

/** The last heading: what was done and how long it took, or how many checks failed. */
export function finished(checks: Checks, startedAt: number, done: string): boolean {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  heading(
    checks.failed === 0
      ? `Done in ${seconds} s: ${done}.`
      : `${checks.failed} check(s) failed (${seconds} s)`,
  );
  return checks.failed === 0;
}
