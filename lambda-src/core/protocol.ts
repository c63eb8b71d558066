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
  LEASE_SKEW_MS,
  leaseHeld,
  leaseOutOfReach,
  newPendingRecord,
  readPendingRecord,
  serializePending,
  takeOverLease,
  type PendingRecord,
} from "./pending";
import {
  REFRESH_SAFETY_MARGIN_MS,
  SecretStoreError,
  type RefreshReport,
  type RoleSession,
} from "./ports";
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
  await publishRefreshFinish(run);
  return "recovered";
}

/**
 * Steps 5-7. The refresh outcome is judged only after the pending parameter is gone.
 * DATABASE_URL goes first: it carries the username and the password in one value, so its
 * readers switch from one valid pair to the other at once; the password and username
 * parameters follow as mirrors. Two parameters cannot switch together, so between those two
 * writes a reader of both gets a mismatched pair; each write is retried within the run, and
 * a run that still fails leaves the pending parameter for the next run (the hourly resume
 * schedule) to publish again.
 */
async function publishRefreshFinish(run: Run): Promise<void> {
  if (run.config.parameters.databaseUrl !== undefined) {
    await run.step("publish-url", () => retried(run, () => publishDatabaseUrl(run)));
  }
  await run.step("publish-password", () => retried(run, () => publishPassword(run)));
  if (run.config.parameters.username !== undefined) {
    await run.step("publish-username", () => retried(run, () => publishUsername(run)));
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
  const record = newPendingRecord(password, run.lease.role(), run.invocation, run.now());
  const { pending, kmsKeyId } = run.config.parameters;
  await run.deps.store.putSecureString(pending, serializePending(record), kmsKeyId);
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
 * Step 5b, publish the password. Assumes: the database accepts the staged password; 5a done.
 * Changes: the password parameter (Overwrite; the KMS key is kept unless one is configured).
 * Confirms a decrypted read returns the new value. Raises: parameter-store, publish-not-readable.
 */
async function publishPassword(run: Run): Promise<void> {
  const { password: name, kmsKeyId } = run.config.parameters;
  await run.deps.store.putSecureString(name, run.lease.password(), kmsKeyId);
  await confirmReadable(run, "publish-password", name, run.lease.password());
}

/**
 * Step 5c, publish the username (only when configured). Assumes: 5a and 5b done.
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
 * Step 5a, publish DATABASE_URL (only when configured), the single value holding both
 * the username and the password. Assumes: the database accepts the staged password.
 * Changes: the DATABASE_URL parameter, rendered from the template with URL-encoded values.
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
  await run.deps.store.putSecureString(databaseUrl, url, kmsKeyId);
  await confirmReadable(run, "publish-url", databaseUrl, url);
}

/** Pauses between attempts of a publish write, beyond the SDK's own retries of one call. */
export const PUBLISH_RETRY_DELAYS_MS = [1_000, 3_000];

/**
 * `publish` again after a store failure (throttling past the SDK's retries, a dropped
 * connection), while the Lambda has time left; the last failure is raised.
 */
async function retried(run: Run, publish: () => Promise<void>): Promise<void> {
  for (const delay of PUBLISH_RETRY_DELAYS_MS) {
    try {
      return await publish();
    } catch (error) {
      const timeLeft = run.invocation.deadline - run.now() - REFRESH_SAFETY_MARGIN_MS;
      if (!(error instanceof SecretStoreError) || timeLeft < delay) throw error;
      run.logger.warn("publish failed; retrying", {
        step: run.steps.current,
        outcome: "retry",
        inMs: delay,
        error: run.secrets.describe(error),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  await publish();
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
