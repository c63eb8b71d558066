/**
 * How the demo prints: headings, indented lines, pass/fail checks, and SHA-256 fingerprints
 * in place of passwords (shared by both stores' demos).
 */
import { createHash } from "node:crypto";
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
