/**
 * A pending version left by an earlier token (a rotation that failed between its steps) is
 * never left stuck: Secrets Manager refuses every later rotation while AWSPENDING sits on a
 * version other than AWSCURRENT. The decision comes from logins, as with the SSM store's
 * pending parameter (docs/design.md §Invariants 2):
 *
 *   stale pending password   AWSCURRENT password   → action
 *   accepted                 (not needed)          → promote: AWSCURRENT moves to it
 *   rejected / no value      accepted              → discard: its AWSPENDING label is removed
 *   rejected / no value      rejected              → stop: credential-drift, nothing moved
 *   unreachable (either)                           → stop: database-unreachable, nothing moved
 *
 * Either way AWSCURRENT or AWSPENDING holds a password the database accepts at every instant.
 */
import type { SecretVersion } from "../ports";
import * as kit from "../strategy-kit";
import type { FourStepRun, Judged } from "./run";
import { CURRENT, PENDING, readVersion, requireVersion, type SecretView } from "./secret-view";

export type StaleOutcome = "promoted" | "discarded";

export async function recoverStale(
  run: FourStepRun,
  view: SecretView,
  stale: SecretVersion,
): Promise<StaleOutcome> {
  const pending = await readVersion(run, { versionId: stale.versionId });
  const staged: Judged =
    pending === undefined
      ? { kind: "rejected", sqlState: "", detail: "the version holds no value" }
      : await run.access.login(run, pending);
  const facts = { staleVersion: stale.versionId, currentVersion: view.current.versionId };
  if (staged.kind === "accepted") {
    await run.deps.versions.moveStage(run.secretArn, CURRENT, {
      to: stale.versionId,
      from: view.current.versionId,
    });
    await run.deps.versions.moveStage(run.secretArn, PENDING, { from: stale.versionId });
    run.logger.warn("a pending version from an earlier rotation logs in: made it AWSCURRENT", {
      step: "recover",
      outcome: "promoted",
      ...facts,
    });
    return "promoted";
  }
  if (staged.kind !== "rejected") throw loginError(run, "recover", staged);
  const current = await requireVersion(run, { stage: CURRENT });
  const fallback = await run.access.login(run, current);
  if (fallback.kind === "rejected") {
    throw run.fail("credential-drift", "recover", {
      found: "both-rejected",
      parameter: `${run.secretArn} (AWSCURRENT)`,
      pending: `${run.secretArn} (AWSPENDING, version ${stale.versionId})`,
    });
  }
  if (fallback.kind !== "accepted") throw loginError(run, "recover", fallback);
  await run.deps.versions.moveStage(run.secretArn, PENDING, { from: stale.versionId });
  run.logger.warn("a pending version from an earlier rotation never applied: discarded it", {
    step: "recover",
    outcome: "discarded",
    ...facts,
  });
  return "discarded";
}

/** The error for a login that was not accepted as expected (unreachable or wrong identity). */
export function loginError(
  run: FourStepRun,
  step: "read" | "recover" | "apply" | "verify" | "publish-password",
  judged: Exclude<Judged, { kind: "accepted" }>,
) {
  if (judged.kind === "unreachable") return kit.unreachable(run, step, judged);
  const problem =
    judged.kind === "rejected"
      ? `the database rejects the password (${judged.detail})`
      : `the login does not land as expected: ${judged.detail}`;
  const check = "pg_hba.conf, the role's VALID UNTIL and its settings (ALTER ROLE … SET role)";
  return run.fail("verify-failed", step, { problem: run.secrets.sanitize(problem), check });
}
