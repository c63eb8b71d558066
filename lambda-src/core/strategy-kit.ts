/**
 * What the strategies' steps are built from: the reads of step 1 every strategy makes, the
 * login and session handling, and the recovery rule applied to a pair of logins. Each
 * function says what it raises; none changes anything but an open session.
 */
import { RotationInProgress, type RotationError } from "../errors";
import { pendingFromText, type PendingRecord } from "./pending";
import { LoginFailedError, type LoginOutcome, type LoginProblem, type RoleSession } from "./ports";
import { currentPending } from "./protocol";
import { decideRecovery } from "./recovery";
import type { Run } from "./run";
import type { StepName } from "./steps";
import type { RecoveryDecision } from "./strategy";

/** What step 1 reads from the store before any login. */
export interface CurrentAndPending {
  /** The password parameter's value, checked to be a plausible password. */
  readonly current: string;
  /** The record an interrupted run left, if any. */
  readonly pending: PendingRecord | undefined;
}

/**
 * The password parameter, which must exist and hold a plausible password, and the pending
 * parameter, if an interrupted run left one, read together in one store call.
 * `rotated` are the roles a record may have staged. Raises parameter-missing /
 * parameter-malformed (also for a record that does not parse or names another role) /
 * parameter-store.
 */
export async function readCurrentAndPending(
  run: Run,
  holding: string,
  rotated: readonly string[],
): Promise<CurrentAndPending> {
  const { password: name, pending: pendingName } = run.config.parameters;
  const found = await run.deps.store.getSecureStrings([name, pendingName]);
  const current = required(run, name, found.get(name), "the password parameter", holding);
  // Control characters (a trailing newline from `echo`, most often) never belong in a password.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
  if (/[\x00-\x1f\x7f]/.test(current) || current.length === 0) {
    throw run.fail("parameter-malformed", "read", { about: "password-value", parameter: name });
  }
  const text = found.get(pendingName);
  const pending =
    text === undefined ? undefined : pendingFromText(pendingName, text, "read", run.secrets);
  if (pending === undefined || rotated.includes(pending.username)) return { current, pending };
  throw run.fail("parameter-malformed", "read", {
    about: "pending-role",
    parameter: pendingName,
    stagedRole: pending.username,
    rotated,
  });
}

/** A SecureString step 1 cannot do without; raises parameter-missing when it does not exist. */
export async function requireSecureString(
  run: Run,
  name: string,
  what: string,
  holding: string,
): Promise<string> {
  return required(run, name, await run.deps.store.getSecureString(name), what, holding);
}

function required(
  run: Run,
  name: string,
  value: string | undefined,
  what: string,
  holding: string,
): string {
  if (value === undefined) {
    throw run.fail("parameter-missing", "read", { parameter: name, what, holding });
  }
  run.secrets.remember(value);
  return value;
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
  const passwordNow = await run.deps.store.getSecureString(run.config.parameters.password);
  if (passwordNow !== undefined) run.secrets.remember(passwordNow);
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
  if (attempt.login.kind === "unreachable") throw unreachable(run, step, attempt.login);
  throw rejected(attempt.login.kind === "rejected" ? attempt.login.detail : "");
}

/** Open a session with `open` and track it; a failed login is returned, not thrown. */
export async function tryOpen<S extends RoleSession>(
  run: Run,
  open: () => Promise<S>,
): Promise<{ readonly login: LoginOutcome; readonly session?: S }> {
  try {
    const session = run.sessions.track(await open());
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
    run.record.applied();
  } finally {
    await run.sessions.close(session);
  }
}

/**
 * Recovery, second half: §Invariants 2 as `decideRecovery` says, with `fallback` the login
 * that could re-apply (the current password, or the administrative one), tried only when the
 * staged login was rejected. Raises `drift()` when the database rejects both, and
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
      throw unreachable(run, "recover", failure?.kind === "unreachable" ? failure : { detail: "" });
    }
  }
}

/**
 * A login that says nothing about the password, at `step`: database-unreachable, or the kind
 * of its `problem` (insecure-authentication, login-not-permitted, database-missing), each
 * with its own fix. `detail` is the driver's (or the guard's) reason, redacted.
 */
export function unreachable(
  run: Run,
  step: StepName,
  failure: { readonly detail: string; readonly problem?: LoginProblem | undefined },
): RotationError {
  const { host, port, tlsMode, database } = run.config.db;
  const detail = run.secrets.sanitize(failure.detail);
  if (failure.problem !== undefined) {
    return run.fail(failure.problem, step, { host, port, tlsMode, database, detail });
  }
  return run.fail("database-unreachable", step, { host, port, tlsMode, detail });
}
