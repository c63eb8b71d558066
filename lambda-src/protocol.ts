/**
 * The rotation protocol both strategies follow (DESIGN.md "Data flow" and "Invariants"), read
 * top-down: `runProtocol()` picks a fresh rotation or a recovery; the steps every strategy
 * shares (2 stage, the lease takeover of recover, 5-7 publish, refresh, finish) are here. A
 * strategy (single-user in rotation.ts, alternating-users in alternating/) supplies only what
 * differs: how it reads, applies, verifies, and which logins decide a recovery.
 *
 * The invariant every step keeps: at every instant the password parameter or the pending
 * parameter holds a password the database accepts. The pending parameter is written before
 * the database changes and deleted only after the password parameter holds the new value,
 * so a crash anywhere leaves a state the next run can finish with exactly one change.
 */
import { buildDatabaseUrl } from "./database-url";
import { LoginFailedError, type LoginOutcome, type RoleSession } from "./db/postgres";
import {
  hasRefreshTargets,
  refreshFailure,
  refreshSettings,
  type RefreshReport,
} from "./ecs/refresh";
import { RotationError, RotationInProgress } from "./errors";
import { generatePassword } from "./password";
import {
  leaseHeld,
  newPendingRecord,
  readPendingRecord,
  serializePending,
  takeOverLease,
  type PendingRecord,
} from "./pending";
import { decideRecovery } from "./recovery";
import type { Run, RotationOutcome } from "./run";
import type { StepName } from "./steps";

/** What step 1 found: nothing pending (a fresh rotation), or an interrupted rotation. */
export type ReadState<S extends RoleSession, C> =
  | {
      readonly kind: "fresh";
      /** The role whose password this run changes. */
      readonly role: string;
      /** Open with credentials that may change `role`'s password; reused by `apply`. */
      readonly session: S;
    }
  | {
      readonly kind: "interrupted";
      readonly pending: PendingRecord;
      /** What the strategy's `recover` needs from the read (a password, credentials). */
      readonly context: C;
    };

export type RecoveryDecision<S extends RoleSession> =
  { readonly kind: "publish" } | { readonly kind: "reapply"; readonly session: S };

/** The steps in which strategies differ. Each one documents what it assumes, changes, raises. */
export interface Strategy<S extends RoleSession, C> {
  /** Step 1. Changes nothing. */
  read(run: Run): Promise<ReadState<S, C>>;
  /** Recovery, after this run took over the lease on `ours`: publish or re-apply? */
  recover(run: Run, ours: PendingRecord, context: C): Promise<RecoveryDecision<S>>;
  /** Step 3: set the staged role's password to the staged one; closes `session`. */
  apply(run: Run, session: S): Promise<void>;
  /** Step 4: a fresh login with the staged password lands as the staged role. */
  verify(run: Run): Promise<void>;
}

/** Rotate with `strategy`, or finish an interrupted rotation. */
export async function runProtocol<S extends RoleSession, C>(
  run: Run,
  strategy: Strategy<S, C>,
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

/** DESIGN invariant 2: finish what an interrupted run started, changing a password at most once. */
async function resumeRotation<S extends RoleSession, C>(
  run: Run,
  strategy: Strategy<S, C>,
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
  run.publishDone();
  const report = await run.step("refresh", () => refresh(run));
  await run.step("finish", () => finish(run));
  const failure = refreshFailure(report);
  if (failure !== undefined) {
    throw new RotationError({
      step: "refresh",
      kind: "refresh-failed",
      problem: run.sanitize(failure.problem),
      stateLeft: run.stateLeft("finished"),
      action: failure.action,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------

/**
 * Step 2, stage. Assumes: no pending parameter was found and the current credentials log in.
 * Changes: generates the new password for `role` and creates the pending parameter with
 * Overwrite=false, which is the rotation lock; the database is untouched.
 * Raises: RotationInProgress when another run created the pending parameter first;
 * parameter-store when SSM refuses the write (nothing was changed).
 */
async function stage(run: Run, role: string): Promise<PendingRecord> {
  const password = generatePassword(run.config.passwordPolicy);
  run.remember(password);
  const record = newPendingRecord(password, role, run.invocation, run.now());
  const { pending: pendingName, kmsKeyId } = run.config.parameters;
  const keyId = kmsKeyId ?? (await run.deps.store.keyIdOf(run.config.parameters.password));
  const created = await run.deps.store.createPending(pendingName, serializePending(record), keyId);
  if (created === "already-exists") {
    const holder = await currentPending(run, "stage");
    throw new RotationInProgress(
      holder?.invocationId ?? "another invocation",
      holder?.leaseExpiresAt ?? "its lease ends",
    );
  }
  run.hold(record);
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
  await run.deps.store.putSecureString(
    run.config.parameters.pending,
    serializePending(ours),
    run.config.parameters.kmsKeyId,
  );
  await confirmLease(run, ours);
  run.hold(ours);
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

/**
 * Recovery, second half: DESIGN invariant 2 as `decideRecovery` says, with `fallback` the
 * login that could re-apply (the current password, or the administrative one), tried only
 * when the staged login was rejected. Raises `drift()` when the database rejects both, and
 * database-unreachable when either login failed for another reason.
 */
export function recoveryDecision<S extends RoleSession>(
  run: Run,
  staged: LoginOutcome,
  fallback: { readonly login: LoginOutcome; readonly session?: S } | undefined,
  drift: () => RotationError,
): RecoveryDecision<S> {
  const verdict = decideRecovery(staged, fallback?.login);
  run.logger.info("recovery decision", { step: "recover", outcome: verdict });
  switch (verdict) {
    case "publish":
      return { kind: "publish" };
    case "reapply":
      if (fallback?.session === undefined) throw new Error("reapply decided without a session");
      return { kind: "reapply", session: fallback.session };
    case "drift":
      throw drift();
    case "unreachable": {
      const failure = [staged, fallback?.login].find((o) => o?.kind === "unreachable");
      throw unreachable(run, "recover", failure?.kind === "unreachable" ? failure.detail : "");
    }
  }
}

/**
 * Step 5a, publish the password. Assumes: the database accepts the staged password.
 * Changes: the password parameter (Overwrite; the KMS key is kept unless one is configured).
 * Confirms a decrypted read returns the new value. Raises: parameter-store, publish-not-readable.
 */
async function publishPassword(run: Run): Promise<void> {
  const name = run.config.parameters.password;
  await run.deps.store.putSecureString(name, run.newPassword(), run.config.parameters.kmsKeyId);
  await confirmReadable(run, "publish-password", name, run.newPassword());
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
  await run.deps.store.putString(name, run.stagedRole());
  await confirmReadable(run, "publish-username", name, run.stagedRole());
}

/**
 * Step 5c, publish DATABASE_URL (only when configured). Assumes: 5a done.
 * Changes: the DATABASE_URL parameter, rendered from the template with URL-encoded values.
 * Raises: parameter-store, publish-not-readable.
 */
async function publishDatabaseUrl(run: Run): Promise<void> {
  const { databaseUrl, databaseUrlTemplate, kmsKeyId } = run.config.parameters;
  if (databaseUrl === undefined) return;
  const { db } = run.config;
  const url = buildDatabaseUrl(databaseUrlTemplate, {
    username: run.stagedRole(),
    password: run.newPassword(),
    host: db.host,
    port: db.port,
    database: db.database,
  });
  await run.deps.store.putSecureString(databaseUrl, url, kmsKeyId);
  await confirmReadable(run, "publish-url", databaseUrl, url);
}

/** SSM reads are not guaranteed to see a write at once; poll briefly before declaring failure. */
async function confirmReadable(run: Run, step: StepName, name: string, value: string) {
  for (const delay of [0, 25, 50, 100, 200, 400, 800]) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (await run.deps.store.readable(name, value)) return;
  }
  throw new RotationError({
    step,
    kind: "publish-not-readable",
    problem: `${name} was written but a read-back does not return the new value`,
    stateLeft: run.stateLeft(step),
    action: `check for another writer of ${name}; then re-run: recovery publishes the staged password again`,
  });
}

/**
 * Step 6, refresh. Assumes: the new value is readable from SSM (DESIGN invariant 5).
 * Changes: restarts the tasks of each listed or discovered ECS service (lambda-src/ecs/:
 * a rolling deployment, or stopping tasks one by one) and waits until each is verified,
 * within the Lambda's remaining time. Never raises for a service; the refresher logs each
 * outcome, and the report is judged after `finish`.
 */
async function refresh(run: Run): Promise<RefreshReport> {
  if (!hasRefreshTargets(refreshSettings(run.config))) return { services: [], problems: [] };
  const report = await run.deps.ecs.refresh({ deadline: run.invocation.deadline });
  run.services = report.services;
  return report;
}

/**
 * Step 7, finish. Assumes: the password (and URL) parameters hold the new value.
 * Changes: deletes the pending parameter, releasing the lock. Raises: parameter-store.
 */
async function finish(run: Run): Promise<void> {
  await run.deps.store.deleteParameter(run.config.parameters.pending);
  run.release();
}

// ---------------------------------------------------------------------------------------
// Helpers for the strategies' steps
// ---------------------------------------------------------------------------------------

/**
 * The step 1 reads every strategy makes. The password parameter must exist and hold a
 * plausible password; raises parameter-missing / parameter-malformed / parameter-store.
 */
export async function readCurrentPassword(run: Run, holding: string): Promise<string> {
  const name = run.config.parameters.password;
  const current = await requireSecureString(run, name, "the password parameter", holding);
  checkPasswordValue(name, current);
  return current;
}

/** A SecureString step 1 cannot do without; raises parameter-missing when it does not exist. */
export async function requireSecureString(
  run: Run,
  name: string,
  what: string,
  holding: string,
): Promise<string> {
  const value = await run.deps.store.getSecureString(name);
  if (value === undefined) {
    throw new RotationError({
      step: "read",
      kind: "parameter-missing",
      problem: `${what} ${name} does not exist`,
      stateLeft: "nothing changed",
      action: `create ${name} as a SecureString ${holding}, then re-run`,
    });
  }
  run.remember(value);
  return value;
}

/** Control characters (a trailing newline from `echo`, most often) never belong in a password. */
export function checkPasswordValue(name: string, value: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
  if (value.length === 0 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new RotationError({
      step: "read",
      kind: "parameter-malformed",
      problem: `the password parameter ${name} is empty or contains control characters (a trailing newline?)`,
      stateLeft: "nothing changed",
      action: `put the role's exact current password in ${name}, then re-run`,
    });
  }
}

/** The pending parameter as this run sees it, its secrets remembered for redaction. */
function currentPending(run: Run, step: StepName): Promise<PendingRecord | undefined> {
  return readPendingRecord(run.deps.store, run.config.parameters.pending, step, (secret) =>
    run.remember(secret),
  );
}

/**
 * The pending parameter, if an interrupted run left one. Raises parameter-malformed when it
 * does not parse or was staged for a role other than `rotated`.
 */
export async function readPending(
  run: Run,
  rotated: readonly string[],
): Promise<PendingRecord | undefined> {
  const name = run.config.parameters.pending;
  const pending = await currentPending(run, "read");
  if (pending === undefined || rotated.includes(pending.username)) return pending;
  throw new RotationError({
    step: "read",
    kind: "parameter-malformed",
    problem: `the pending parameter ${name} was staged for role ${pending.username}, but this function rotates ${rotated.join(" and ")}`,
    stateLeft: "nothing changed",
    action: `find which password role ${pending.username} accepts, store it where its applications read it, delete ${name}, then re-run`,
  });
}

/**
 * A rejected current password is drift only if nobody is rotating: another run may have
 * staged and applied between our two reads. Look again before raising an alarm.
 * Raises: RotationInProgress when a pending parameter has appeared or the password changed.
 */
export async function rejectIfAnotherRunMovedOn(run: Run, readPassword: string): Promise<void> {
  const holder = await currentPending(run, "read");
  if (holder !== undefined) {
    throw new RotationInProgress(holder.invocationId, holder.leaseExpiresAt);
  }
  const passwordName = run.config.parameters.password;
  const passwordNow = await run.deps.store.getSecureString(passwordName);
  if (passwordNow !== undefined) run.remember(passwordNow);
  if (passwordNow !== readPassword) {
    throw new RotationInProgress("another invocation (it finished a rotation meanwhile)", "now");
  }
}

/**
 * Open a session with `open` and track it (closed whatever happens). Raises
 * database-unreachable, or `rejected(detail)` when the database refuses the credentials.
 */
export async function openTracked<S extends RoleSession>(
  run: Run,
  step: StepName,
  open: () => Promise<S>,
  rejected: (detail: string) => RotationError,
): Promise<S> {
  const attempt = await tryOpen(run, open);
  if (attempt.session !== undefined) return attempt.session;
  if (attempt.login.kind === "unreachable") throw unreachable(run, step, attempt.login.detail);
  throw rejected(attempt.login.kind === "rejected" ? attempt.login.detail : "");
}

/** Open a session with `open` and track it; a failed login is returned, not thrown. */
export async function tryOpen<S extends RoleSession>(
  run: Run,
  open: () => Promise<S>,
): Promise<{ readonly login: LoginOutcome; readonly session?: S }> {
  try {
    const session = await open();
    run.track(session);
    return { login: { kind: "accepted", currentUser: session.currentUser }, session };
  } catch (error) {
    if (!(error instanceof LoginFailedError)) throw error;
    return { login: error.outcome };
  }
}

/** Step 3's ending, whatever happened: the session is closed, the commit time recorded. */
export async function applyWith<S extends RoleSession>(
  run: Run,
  session: S,
  change: (session: S) => Promise<void>,
): Promise<void> {
  try {
    await change(session);
    run.applied();
  } finally {
    await run.closeSession(session);
  }
}

/** Step 4's failure: the staged password does not give a session as the staged role. */
export function verifyFailed(run: Run, problem: string, check: string): RotationError {
  return new RotationError({
    step: "verify",
    kind: "verify-failed",
    problem,
    stateLeft: run.stateLeft("verify"),
    action: `check ${check}; then re-run: recovery publishes the staged password if it logs in`,
  });
}

export function unreachable(run: Run, step: StepName, detail: string): RotationError {
  const { host, port, tlsMode } = run.config.db;
  return new RotationError({
    step,
    kind: "database-unreachable",
    problem: `cannot reach PostgreSQL at ${host}:${port} with TLS ${tlsMode} (${run.sanitize(detail)})`,
    stateLeft: run.stateLeft(step),
    action:
      "check the security groups, the host name against the server certificate, and the CA bundle (db_ca_bundle_file); then re-run",
  });
}
