/**
 * The rotation protocol (DESIGN.md "Data flow" and "Invariants"). Read top-down:
 * `rotate()` picks a fresh rotation or a recovery, and each named step below says what it
 * assumes, what it changes and what it raises.
 *
 * The invariant every step keeps: at every instant the password parameter or the pending
 * parameter holds a password the database accepts. The pending parameter is written before
 * the database changes and deleted only after the password parameter holds the new value,
 * so a crash anywhere leaves a state the next run can finish with exactly one change.
 */
import { rotateAlternatingUsers } from "./alternating/rotation";
import type { Config } from "./config";
import { buildDatabaseUrl } from "./database-url";
import { LoginFailedError, type LoginOutcome, type RoleSession } from "./db/postgres";
import { scramSha256Verifier } from "./db/scram";
import { refreshFailure, type RefreshReport } from "./ecs/refresh";
import { CredentialDriftError, RotationError, RotationInProgress } from "./errors";
import { generatePassword } from "./password";
import {
  leaseHeld,
  newPendingRecord,
  parsePending,
  serializePending,
  takeOverLease,
  type PendingRecord,
} from "./pending";
import { decideRecovery } from "./recovery";
import {
  Run,
  SimulatedCrash,
  type Invocation,
  type RotationDeps,
  type RotationOutcome,
  type RotationResult,
} from "./run";
import type { StepName } from "./steps";

export { decideRecovery, type RecoveryVerdict } from "./recovery";
export type {
  Invocation,
  RotationDeps,
  RotationHooks,
  RotationOutcome,
  RotationResult,
  StepTiming,
} from "./run";

/** Rotate the role's password, or finish an interrupted rotation. */
export async function rotate(
  config: Config,
  deps: RotationDeps,
  invocation: Invocation,
): Promise<RotationResult> {
  const run = new Run(config, deps, invocation);
  try {
    // Two roles taking turns (lambda-src/alternating/): its own steps 1-4, the same 5-7.
    if (config.strategy.kind === "alternating-users") {
      return run.succeeded(await rotateAlternatingUsers(run, config.strategy));
    }
    const state = await run.step("read", () => read(run));
    const outcome = state.pending
      ? await resumeRotation(run, state.current, state.pending)
      : await freshRotation(run, state.current, state.session);
    return run.succeeded(outcome);
  } catch (error) {
    if (error instanceof SimulatedCrash) throw error.original;
    if (error instanceof RotationInProgress) return run.skipped(error);
    throw await run.failed(error);
  } finally {
    // Sessions outlive a step only between read/recover and apply; a failure in between
    // must not leave a connection open in a warm Lambda.
    await run.closeSessions();
  }
}

/** Steps 2-7 after a read found no pending parameter. */
async function freshRotation(
  run: Run,
  current: string,
  session: RoleSession | undefined,
): Promise<RotationOutcome> {
  const staged = await run.step("stage", () => stage(run));
  await run.step("apply", () => apply(run, current, staged.password, session));
  await run.step("verify", () => verify(run));
  await publishRefreshFinish(run);
  return "rotated";
}

/** DESIGN invariant 2: finish what an interrupted run started, changing the password at most once. */
async function resumeRotation(
  run: Run,
  current: string,
  pending: PendingRecord,
): Promise<RotationOutcome> {
  if (leaseHeld(pending, run.now())) {
    throw new RotationInProgress(pending.invocationId, pending.leaseExpiresAt);
  }
  const decision = await run.step("recover", () => recover(run, current, pending));
  if (decision.kind === "reapply") {
    await run.step("apply", () => apply(run, current, run.newPassword(), decision.session));
    await run.step("verify", () => verify(run));
  }
  await publishRefreshFinish(run);
  return "recovered";
}

/**
 * Steps 5-7, shared by both strategies. The refresh outcome is judged only after the pending
 * parameter is gone.
 */
export async function publishRefreshFinish(run: Run): Promise<void> {
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
      stateLeft: "the password is rotated and published, the pending parameter is deleted",
      action: failure.action,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------

interface ReadState {
  readonly current: string;
  readonly pending: PendingRecord | undefined;
  /** Open as the role with the current password, when there is no pending parameter. */
  readonly session: RoleSession | undefined;
}

/**
 * Step 1, read. Assumes nothing. Changes nothing.
 * Reads the current password and the pending parameter. Without a pending parameter it also
 * logs in with the current password, so that a wrong password or an unreachable database
 * stops the run before anything is written; the session is reused by `apply`.
 * Raises: parameter-missing / parameter-malformed / parameter-store, credential-drift when
 * the database rejects the current password, database-unreachable.
 */
async function read(run: Run): Promise<ReadState> {
  const { password: passwordName, pending: pendingName } = run.config.parameters;
  const current = await run.deps.store.getSecureString(passwordName);
  if (current === undefined) {
    throw new RotationError({
      step: "read",
      kind: "parameter-missing",
      problem: `the password parameter ${passwordName} does not exist`,
      stateLeft: "nothing changed",
      action: `create ${passwordName} as a SecureString holding the role's current password, then re-run`,
    });
  }
  run.remember(current);
  checkPasswordValue(passwordName, current);
  const pendingText = await run.deps.store.getSecureString(pendingName);
  if (pendingText !== undefined) {
    run.remember(pendingText);
    const pending = parsePending(pendingName, pendingText, "read");
    run.remember(pending.password);
    checkPendingRole(run, pending);
    return { current, pending, session: undefined };
  }
  try {
    const session = await openSession(run, current, "read");
    return { current, pending: undefined, session };
  } catch (error) {
    if (error instanceof CredentialDriftError) await rejectIfAnotherRunMovedOn(run, current);
    throw error;
  }
}

/**
 * A rejected current password is drift only if nobody is rotating: another run may have
 * staged and applied between our two reads. Look again before raising an alarm.
 * Raises: RotationInProgress when a pending parameter has appeared or the password changed.
 */
export async function rejectIfAnotherRunMovedOn(run: Run, readPassword: string): Promise<void> {
  const { password: passwordName, pending: pendingName } = run.config.parameters;
  const pendingText = await run.deps.store.getSecureString(pendingName);
  if (pendingText !== undefined) {
    run.remember(pendingText);
    const holder = parsePending(pendingName, pendingText, "read");
    run.remember(holder.password);
    throw new RotationInProgress(holder.invocationId, holder.leaseExpiresAt);
  }
  const passwordNow = await run.deps.store.getSecureString(passwordName);
  if (passwordNow !== undefined) run.remember(passwordNow);
  if (passwordNow !== readPassword) {
    throw new RotationInProgress("another invocation (it finished a rotation meanwhile)", "now");
  }
}

/**
 * Step 2, stage. Assumes: no pending parameter was found and the current password logs in.
 * Changes: generates the new password for `role` (DB_USER unless the strategy says which
 * role is next) and creates the pending parameter with
 * Overwrite=false, which is the rotation lock; the database is untouched.
 * Raises: RotationInProgress when another run created the pending parameter first;
 * parameter-store when SSM refuses the write (nothing was changed).
 */
export async function stage(run: Run, role = run.config.db.user): Promise<PendingRecord> {
  const password = generatePassword(run.config.passwordPolicy);
  run.remember(password);
  const record = newPendingRecord(password, role, run.invocation, run.now());
  const { pending: pendingName, kmsKeyId } = run.config.parameters;
  const keyId = kmsKeyId ?? (await run.deps.store.keyIdOf(run.config.parameters.password));
  const created = await run.deps.store.createPending(pendingName, serializePending(record), keyId);
  if (created === "already-exists") {
    const winner = await run.deps.store.getSecureString(pendingName);
    if (winner !== undefined) run.remember(winner);
    const holder = winner === undefined ? undefined : parsePending(pendingName, winner, "stage");
    throw new RotationInProgress(
      holder?.invocationId ?? "another invocation",
      holder?.leaseExpiresAt ?? "its lease ends",
    );
  }
  run.hold(record);
  return record;
}

type RecoveryDecision =
  { readonly kind: "publish" } | { readonly kind: "reapply"; readonly session: RoleSession };

/**
 * Recovery, entered when a pending parameter exists and its lease has expired.
 * Assumes: the password parameter holds the password used before the interrupted run.
 * Changes: takes over the lease (rewrites the pending parameter with the same password and
 * this run's lease). The database is not changed here.
 * Decides (see `decideRecovery`): the staged password logs in → publish it; else the
 * current one logs in → re-apply the staged password (the first apply never committed).
 * Raises: credential-drift when the database rejects both; database-unreachable when either
 * login failed for another reason (a network or TLS failure says nothing about a password).
 */
async function recover(
  run: Run,
  current: string,
  pending: PendingRecord,
): Promise<RecoveryDecision> {
  run.logger.warn("found an interrupted rotation; taking over its lease", {
    step: "recover",
    outcome: "takeover",
    previousHolder: pending.invocationId,
    stagedAt: pending.stagedAt,
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

  const user = run.config.db.user;
  const stagedLogin = await run.deps.database.canLogin(user, ours.password);
  if (stagedLogin.kind === "accepted") return decide(run, stagedLogin, undefined, undefined);
  let session: RoleSession | undefined;
  let currentLogin: LoginOutcome;
  if (stagedLogin.kind === "rejected" && current !== ours.password) {
    try {
      session = run.track(await run.deps.database.openSession(user, current));
      currentLogin = { kind: "accepted", currentUser: session.currentUser };
    } catch (error) {
      if (!(error instanceof LoginFailedError)) throw error;
      currentLogin = error.outcome;
    }
  } else {
    currentLogin = stagedLogin;
  }
  return decide(run, stagedLogin, currentLogin, session);
}

/** Step 2 of another invocation may have raced our takeover; the last writer holds the lease. */
export async function confirmLease(run: Run, ours: PendingRecord): Promise<void> {
  const name = run.config.parameters.pending;
  const text = await run.deps.store.getSecureString(name);
  if (text === undefined) {
    throw new RotationInProgress("another invocation (it finished the rotation)", "now");
  }
  const holder = parsePending(name, text, "recover");
  if (holder.invocationId !== ours.invocationId || holder.password !== ours.password) {
    throw new RotationInProgress(holder.invocationId, holder.leaseExpiresAt);
  }
}

function decide(
  run: Run,
  staged: LoginOutcome,
  current: LoginOutcome | undefined,
  session: RoleSession | undefined,
): RecoveryDecision {
  const verdict = decideRecovery(staged, current);
  const { password, pending } = run.config.parameters;
  run.logger.info("recovery decision", { step: "recover", outcome: verdict });
  switch (verdict) {
    case "publish":
      return { kind: "publish" };
    case "reapply":
      if (session === undefined) throw new Error("reapply decided without a session");
      return { kind: "reapply", session };
    case "drift":
      throw new CredentialDriftError({
        step: "recover",
        problem: `credential drift: the database rejects both the password in ${password} and the staged one in ${pending}`,
        stateLeft: `nothing changed; ${password} and ${pending} keep their values`,
        action: `someone changed the role's password outside this rotation; set it back to the value in ${password} (ALTER ROLE … PASSWORD), or put the role's real password in ${password}, then re-run`,
      });
    case "unreachable": {
      const failure = [staged, current].find((o) => o?.kind === "unreachable");
      throw unreachable(run, "recover", failure?.kind === "unreachable" ? failure.detail : "");
    }
  }
}

/**
 * Step 3, apply. Assumes: the pending parameter holds `next`, this run holds the lease, and
 * `current` logs in (a session is open with it, or is opened here).
 * Changes: the role's password, by `ALTER ROLE … PASSWORD '<SCRAM verifier>'` sent while
 * logged in as the role itself; the plaintext never reaches the server. Commits on return.
 * Raises: database-unreachable / credential-drift if the session cannot be opened.
 */
async function apply(
  run: Run,
  current: string,
  next: string,
  session: RoleSession | undefined,
): Promise<void> {
  const open = session ?? (await openSession(run, current, "apply"));
  try {
    await open.setPassword(run.config.db.user, scramSha256Verifier(next));
    run.applied();
  } finally {
    await run.closeSession(open);
  }
}

/**
 * Step 4, verify. Assumes: apply committed. Changes nothing.
 * Opens a fresh TLS connection with the new password and checks `current_user` is the role.
 * Raises: verify-failed when the login is rejected or lands as another user;
 * database-unreachable when the server cannot be reached.
 */
async function verify(run: Run): Promise<void> {
  const user = run.config.db.user;
  const login = await run.deps.database.canLogin(user, run.newPassword());
  if (login.kind === "unreachable") throw unreachable(run, "verify", login.detail);
  if (login.kind === "rejected" || login.currentUser !== user) {
    throw new RotationError({
      step: "verify",
      kind: "verify-failed",
      problem:
        login.kind === "rejected"
          ? `the database rejects the new password (${login.detail})`
          : `logging in with the new password gave current_user ${login.currentUser}, not ${user}`,
      stateLeft: run.stateLeft("verify"),
      action: `check pg_hba.conf and the role's VALID UNTIL for ${user}; then re-run: recovery publishes the staged password if it logs in`,
    });
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
  const { ecs, refresh: settings } = run.config;
  if (ecs.services.length === 0 && settings.discoveryClusters.length === 0) {
    return { services: [], problems: [] };
  }
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
// Helpers
// ---------------------------------------------------------------------------------------

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

function checkPendingRole(run: Run, pending: PendingRecord): void {
  if (pending.username === run.config.db.user) return;
  const name = run.config.parameters.pending;
  throw new RotationError({
    step: "read",
    kind: "parameter-malformed",
    problem: `the pending parameter ${name} was staged for role ${pending.username}, but this function rotates ${run.config.db.user}`,
    stateLeft: "nothing changed",
    action: `find which password role ${pending.username} accepts, store it where its applications read it, delete ${name}, then re-run`,
  });
}

async function openSession(run: Run, password: string, step: StepName): Promise<RoleSession> {
  try {
    return run.track(await run.deps.database.openSession(run.config.db.user, password));
  } catch (error) {
    if (!(error instanceof LoginFailedError)) throw error;
    if (error.outcome.kind === "unreachable") throw unreachable(run, step, error.outcome.detail);
    const name = run.config.parameters.password;
    throw new CredentialDriftError({
      step,
      problem: `credential drift: the database rejects the password in ${name} for role ${run.config.db.user} (${error.outcome.detail})`,
      stateLeft: run.stateLeft(step),
      action: `put the role's real password in ${name} (or reset the role to the stored one), then re-run`,
    });
  }
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
