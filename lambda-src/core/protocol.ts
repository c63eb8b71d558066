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
import { buildDatabaseUrl } from "../database-url";
import { RotationInProgress, rotationError, type RotationError } from "../errors";
import { generatePassword } from "../password";
import type { RotationOutcome } from "./outcome";
import {
  leaseHeld,
  newPendingRecord,
  readPendingRecord,
  serializePending,
  takeOverLease,
  type PendingRecord,
} from "./pending";
import type { RefreshReport, RoleSession } from "./ports";
import type { Run } from "./run";
import type { StepName } from "./steps";
import type { StrategySteps } from "./strategy";

/** Rotate with `strategy`, or finish an interrupted rotation. */
export async function runProtocol<S extends RoleSession, C>(
  run: Run,
  strategy: StrategySteps<S, C>,
): Promise<RotationOutcome> {
  const state = await run.step("read", () => strategy.read(run));
  if (state.kind === "interrupted") {
    return resumeRotation(run, strategy, state.pending, state.context);
  }
  await run.step("stage", () => stage(run, state.role));
  await run.step("apply", () => strategy.apply(run, state.session));
  await run.step("verify", () => strategy.verify(run));
  await publishRefreshFinish(run);
  return "rotated";
}

/** §Invariants 2: finish what an interrupted run started, changing a password at most once. */
async function resumeRotation<S extends RoleSession, C>(
  run: Run,
  strategy: StrategySteps<S, C>,
  pending: PendingRecord,
  context: C,
): Promise<RotationOutcome> {
  if (leaseHeld(pending, run.now())) {
    throw new RotationInProgress(pending.invocationId, pending.leaseExpiresAt);
  }
  const decision = await run.step("recover", async () =>
    strategy.recover(run, await takeOver(run, pending), context),
  );
  if (decision.kind === "reapply") {
    await run.step("apply", () => strategy.apply(run, decision.session));
    await run.step("verify", () => strategy.verify(run));
  }
  await publishRefreshFinish(run);
  return "recovered";
}

/** Steps 5-7. The refresh outcome is judged only after the pending parameter is gone. */
async function publishRefreshFinish(run: Run): Promise<void> {
  await run.step("publish-password", () => publishPassword(run));
  if (run.config.parameters.username !== undefined) {
    await run.step("publish-username", () => publishUsername(run));
  }
  if (run.config.parameters.databaseUrl !== undefined) {
    await run.step("publish-url", () => publishDatabaseUrl(run));
  }
  run.record.published();
  const report = await run.step("refresh", () => refresh(run));
  await run.step("finish", () => finish(run));
  const failure = refreshFailure(report, run.stateLeft("finished"));
  if (failure !== undefined) throw failure;
}

/** The error a refresh report ends the run with; undefined when every service was refreshed. */
export function refreshFailure(
  report: RefreshReport,
  stateLeft?: string,
): RotationError | undefined {
  if (report.services.every((s) => s.ok) && report.problems.length === 0) return undefined;
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
  const record = newPendingRecord(password, role, run.invocation, run.now());
  const { pending, kmsKeyId, password: passwordName } = run.config.parameters;
  const keyId = kmsKeyId ?? (await run.deps.store.keyIdOf(passwordName));
  const created = await run.deps.store.createPending(pending, serializePending(record), keyId);
  if (created === "already-exists") {
    const holder = await currentPending(run, "stage");
    throw new RotationInProgress(
      holder?.invocationId ?? "another invocation",
      holder?.leaseExpiresAt ?? "its lease ends",
    );
  }
  run.lease.hold(record);
  return record;
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
  const { pending: name, kmsKeyId } = run.config.parameters;
  await run.deps.store.putSecureString(name, serializePending(ours), kmsKeyId);
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
 * Step 5a, publish the password. Assumes: the database accepts the staged password.
 * Changes: the password parameter (Overwrite; the KMS key is kept unless one is configured).
 * Confirms a decrypted read returns the new value. Raises: parameter-store, publish-not-readable.
 */
async function publishPassword(run: Run): Promise<void> {
  const { password: name, kmsKeyId } = run.config.parameters;
  await run.deps.store.putSecureString(name, run.lease.password(), kmsKeyId);
  await confirmReadable(run, "publish-password", name, run.lease.password());
}

/**
 * Step 5b, publish the username (only when configured). Assumes: 5a done.
 * Changes: the username parameter (a String) to the staged role: DB_USER, or with
 * alternating-users the role whose password was just changed. Raises: parameter-store,
 * publish-not-readable.
 */
async function publishUsername(run: Run): Promise<void> {
  const name = run.config.parameters.username;
  if (name === undefined) return;
  await run.deps.store.putString(name, run.lease.role());
  await confirmReadable(run, "publish-username", name, run.lease.role());
}

/**
 * Step 5c, publish DATABASE_URL (only when configured). Assumes: 5a done.
 * Changes: the DATABASE_URL parameter, rendered from the template with URL-encoded values,
 * with its own KMS key (the configured one, or for a new parameter the password parameter's).
 * Raises: parameter-store, publish-not-readable.
 */
async function publishDatabaseUrl(run: Run): Promise<void> {
  const { databaseUrl, databaseUrlTemplate, kmsKeyId } = run.config.parameters;
  if (databaseUrl === undefined) return;
  const { host, port, database } = run.config.db;
  const url = buildDatabaseUrl(databaseUrlTemplate, {
    username: run.lease.role(),
    password: run.lease.password(),
    host,
    port,
    database,
  });
  // A URL parameter the function creates gets the password parameter's key, not aws/ssm.
  const { store } = run.deps;
  const keyId =
    kmsKeyId ??
    (await store.keyIdOf(databaseUrl)) ??
    (await store.keyIdOf(run.config.parameters.password));
  await store.putSecureString(databaseUrl, url, keyId);
  await confirmReadable(run, "publish-url", databaseUrl, url);
}

/** SSM reads are not guaranteed to see a write at once; poll briefly before declaring failure. */
async function confirmReadable(run: Run, step: StepName, name: string, value: string) {
  for (const delay of [0, 25, 50, 100, 200, 400, 800]) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (await run.deps.store.readable(name, value)) return;
  }
  throw run.fail("publish-not-readable", step, { parameter: name });
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
