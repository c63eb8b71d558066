/**
 * The rotation protocol both strategies follow (docs/design.md §Data flow), read top-down:
 * `runProtocol()` picks a fresh rotation or a recovery; the steps every strategy shares
 * (2 stage, the lease takeover of recover, 5 publish, 6 refresh, 7 finish) are here. A
 * strategy (../strategies/) supplies only what differs: how it reads, applies, verifies, and
 * which logins decide a recovery.
 *
 * The invariant every step keeps (§Invariants 1): at every instant the password parameter
 * or the pending parameter holds a password the database accepts. The pending parameter is
 * written before the database changes and deleted only after the password parameter holds
 * the new value, so a crash anywhere leaves a state the next run can finish with exactly one
 * change.
 */
import { hasRefreshTargets } from "../config";
import { RotationInProgress, rotationError, type RotationError } from "../errors";
import { generatePassword } from "../password";
import type { RotationOutcome } from "./outcome";
import {
  LEASE_SKEW_MS,
  leaseHeld,
  leaseOutOfReach,
  newPendingRecord,
  readPendingRecord,
  serializePending,
  takeOverLease,
  type PendingRecord,
} from "./pending";
import { handOver, refreshInFlight } from "./hand-over";
import type { RefreshReport, RoleSession, ServiceRefresh } from "./ports";
import { publishAll } from "./publish";
import type { Run } from "./run";
import type { StepName } from "./steps";
import type { StrategySteps } from "./strategy";

/**
 * Rotate with `strategy`, or finish an interrupted rotation. With the action "resume", only
 * the latter: without a pending parameter the run ends "nothing-to-resume" after one SSM read,
 * without logging in or writing anything.
 */
export async function runProtocol<S extends RoleSession, C>(
  run: Run,
  strategy: StrategySteps<S, C>,
): Promise<RotationOutcome> {
  const resumeOnly = run.invocation.action === "resume";
  if (resumeOnly && (await currentPending(run, "read")) === undefined) return "nothing-to-resume";
  const state = await run.step("read", () => strategy.read(run));
  if (state.kind === "interrupted") {
    return resumeRotation(run, strategy, state.pending, state.context);
  }
  // Another run finished the rotation between the two reads; its session is closed by rotate().
  if (resumeOnly) return "nothing-to-resume";
  await run.step("stage", () => stage(run, state.role));
  await run.step("apply", () => strategy.apply(run, state.session));
  await run.step("verify", () => strategy.verify(run));
  return publishRefreshFinish(run, strategy, "rotated");
}

/** §Invariants 2: finish what an interrupted run started, changing a password at most once. */
async function resumeRotation<S extends RoleSession, C>(
  run: Run,
  strategy: StrategySteps<S, C>,
  pending: PendingRecord,
  context: C,
): Promise<RotationOutcome> {
  if (leaseHeld(pending, run.now())) {
    if (!leaseOutOfReach(pending, run.invocation.deadline)) {
      throw new RotationInProgress(pending.invocationId, pending.leaseExpiresAt);
    }
    run.logger.error("the pending parameter's lease ends later than any run could set it", {
      step: "recover",
      outcome: "lease-out-of-reach",
      leaseExpiresAt: pending.leaseExpiresAt,
      latestPossible: new Date(run.invocation.deadline + LEASE_SKEW_MS).toISOString(),
      action: "treated as expired; find who writes the pending parameter",
    });
  }
  const decision = await run.step("recover", async () =>
    strategy.recover(run, await takeOver(run, pending), context),
  );
  if (decision.kind === "reapply") {
    await run.step("stage", () => restage(run));
    await run.step("apply", () => strategy.apply(run, decision.session));
    await run.step("verify", () => strategy.verify(run));
  }
  return publishRefreshFinish(run, strategy, "recovered");
}

/**
 * Steps 5-7. The refresh outcome is judged only after the pending parameter is gone. A
 * refresh handed over (core/hand-over.ts) ends the run "refresh-in-progress".
 */
async function publishRefreshFinish<S extends RoleSession, C>(
  run: Run,
  strategy: StrategySteps<S, C>,
  outcome: "rotated" | "recovered",
): Promise<RotationOutcome> {
  await publishAll(run);
  const report = await refreshServices(run, outcome);
  await revokePrevious(run, strategy, report);
  await run.step("finish", () => finish(run));
  return judgeRefresh(run, report, outcome);
}

/**
 * Step 6 with its hand-over, for both stores: the services restarted and waited for, those
 * still deploying when the invocation must end recorded in the in-flight refresh record.
 */
export function refreshServices(
  run: Run,
  outcome: "rotated" | "recovered",
): Promise<RefreshReport> {
  return run.step("refresh", async () =>
    handOver(run, run.deps.refreshRecords, await refresh(run), outcome),
  );
}

/** How a run ends once its refresh is known: refresh-failed, refresh-in-progress or `outcome`. */
export function judgeRefresh<O extends RotationOutcome>(
  run: Run,
  report: RefreshReport,
  outcome: O,
): O | "refresh-in-progress" {
  const failure = refreshFailure(report, run.stateLeft("finished"));
  if (failure !== undefined) throw failure;
  return refreshInFlight(report) ? "refresh-in-progress" : outcome;
}

/**
 * Step 6b, revoke only (the record says so). Assumes: every service was refreshed, so no task
 * uses the previously published role any more. Changes: that role's password, to one no one
 * sees (the strategy's). With a failed refresh it changes nothing and says so: tasks may still
 * use that role; the refresh failure ends the run and a new revoke finishes the job.
 */
async function revokePrevious<S extends RoleSession, C>(
  run: Run,
  strategy: StrategySteps<S, C>,
  report: RefreshReport,
): Promise<void> {
  if (run.lease.held?.revokePrevious !== true || strategy.revokePrevious === undefined) return;
  if (refreshInFlight(report)) {
    run.logger.error("the previously published role keeps its password: the refresh is in flight", {
      step: "revoke-previous",
      outcome: "not-revoked",
      action: 'once the refresh is reported complete, invoke {"action":"revoke"} again',
    });
    return;
  }
  if (refreshFailure(report) !== undefined) {
    run.logger.error("the previously published role keeps its password: the refresh failed", {
      step: "revoke-previous",
      outcome: "not-revoked",
      action: 'fix the refresh, then invoke {"action":"revoke"} again',
    });
    return;
  }
  const revoke = strategy.revokePrevious.bind(strategy);
  await run.step("revoke-previous", () => revoke(run));
}

/** The error a refresh report ends the run with; undefined when every service was refreshed. */
export function refreshFailure(
  report: RefreshReport,
  stateLeft?: string,
): RotationError | undefined {
  const settledOk = (s: ServiceRefresh) => s.ok || s.outcome === "in-flight";
  if (report.services.every(settledOk) && report.problems.length === 0) return undefined;
  return rotationError("refresh-failed", { step: "refresh", stateLeft }, report);
}

/**
 * Step 2, stage. Assumes: no pending parameter was found and the current credentials log in.
 * Changes: generates the new password for `role` and creates the pending parameter with
 * Overwrite=false, which is the rotation lock; the database is untouched.
 * Raises: RotationInProgress when another run created the pending parameter first;
 * parameter-store when SSM refuses the write (nothing was changed).
 */
async function stage(run: Run, role: string): Promise<PendingRecord> {
  const password = generatePassword(run.config.passwordPolicy);
  run.secrets.remember(password);
  const revoke = run.invocation.action === "revoke";
  const record = newPendingRecord(password, role, run.invocation, run.now(), revoke);
  const { pending } = run.config.parameters;
  // The one key lookup of the run: publish, after the ALTER ROLE, reuses it.
  const keys = await run.keys.get();
  const created = await run.deps.store.createPending(
    pending,
    serializePending(record),
    keys.password,
  );
  if (created === "already-exists") {
    const holder = await currentPending(run, "stage");
    if (!isOurs(holder, record)) {
      throw new RotationInProgress(
        holder?.invocationId ?? "another invocation",
        holder?.leaseExpiresAt ?? "its lease ends",
      );
    }
    // The SDK retried a create whose response was lost: the first attempt wrote our record.
    run.logger.info("the pending parameter already holds this run's record", {
      step: "stage",
      outcome: "own-write",
    });
  }
  run.lease.hold(record);
  return record;
}

/**
 * Whether `found` is the record this run just tried to create: same invocation and same
 * freshly generated password, which no other writer can know.
 */
function isOurs(found: PendingRecord | undefined, ours: PendingRecord): boolean {
  return found?.invocationId === ours.invocationId && found.password === ours.password;
}

/**
 * Recovery's stage, before a re-apply. Assumes: this run holds the lease, and the database
 * rejects the staged password (the interrupted apply never committed), so no one uses it.
 * Changes: the pending parameter, to a password this run generated for the same role. A
 * stored record's password is never applied: whoever can write the pending parameter could
 * have chosen it. Raises: parameter-store (the lease is then released as on any failure).
 */
async function restage(run: Run): Promise<void> {
  const password = generatePassword(run.config.passwordPolicy);
  run.secrets.remember(password);
  const revoke = run.lease.held?.revokePrevious === true;
  const record = newPendingRecord(password, run.lease.role(), run.invocation, run.now(), revoke);
  const keys = await run.keys.get();
  const { pending } = run.config.parameters;
  await run.deps.store.putSecureString(pending, serializePending(record), keys.password);
  run.lease.hold(record);
}

/**
 * Recovery, first half: entered when a pending parameter exists and its lease has expired.
 * Changes: rewrites the pending parameter with the same role and password and this run's
 * lease. The database is not changed. Raises: RotationInProgress when another run took the
 * lease meanwhile or finished the rotation.
 */
async function takeOver(run: Run, pending: PendingRecord): Promise<PendingRecord> {
  run.logger.warn("found an interrupted rotation; taking over its lease", {
    step: "recover",
    outcome: "takeover",
    previousHolder: pending.invocationId,
    stagedAt: pending.stagedAt,
    stagedRole: pending.username,
    leaseExpiredAt: pending.leaseExpiresAt,
  });
  const ours = takeOverLease(pending, run.invocation);
  // Looked up here, before a re-apply, so that the publish gap holds writes only.
  const keys = await run.keys.get();
  const name = run.config.parameters.pending;
  await run.deps.store.putSecureString(name, serializePending(ours), keys.password);
  await confirmLease(run, ours);
  run.lease.hold(ours);
  run.secrets.remember(ours.password);
  return ours;
}

/** Step 2 of another invocation may have raced our takeover; the last writer holds the lease. */
async function confirmLease(run: Run, ours: PendingRecord): Promise<void> {
  const holder = await currentPending(run, "recover");
  if (holder === undefined) {
    throw new RotationInProgress("another invocation (it finished the rotation)", "now");
  }
  if (holder.invocationId !== ours.invocationId || holder.password !== ours.password) {
    throw new RotationInProgress(holder.invocationId, holder.leaseExpiresAt);
  }
}

/** The pending parameter as this run sees it, its secrets remembered for redaction. */
export function currentPending(run: Run, step: StepName): Promise<PendingRecord | undefined> {
  return readPendingRecord(run.deps.store, run.config.parameters.pending, step, run.secrets);
}

/**
 * Step 6, refresh. Assumes: the new value is readable from SSM (§Invariants 5).
 * Changes: restarts the tasks of each listed or discovered ECS service (a rolling deployment,
 * or stopping tasks one by one) and waits until each is verified, within the Lambda's
 * remaining time. Never raises for a service; the refresher logs each outcome, and the
 * report is judged after `finish`.
 */
async function refresh(run: Run): Promise<RefreshReport> {
  const { ecs, refresh: settings } = run.config;
  if (!hasRefreshTargets({ ...ecs, ...settings })) return { services: [], problems: [] };
  const report = await run.deps.ecs.refresh({ deadline: run.invocation.deadline });
  run.record.refreshed(report.services);
  return report;
}

/**
 * Step 7, finish. Assumes: the password (and URL) parameters hold the new value.
 * Changes: deletes the pending parameter, releasing the lock. Raises: parameter-store.
 */
async function finish(run: Run): Promise<void> {
  await run.deps.store.deleteParameter(run.config.parameters.pending);
  run.lease.release();
}
