/**
 * Entry point of a rotation run, and the single-user strategy: the role DB_USER changes its
 * own password. The protocol both strategies follow, and the steps they share, are in
 * protocol.ts; this file says only what single-user does differently in steps 1, 3, 4 and
 * recovery. Each step says what it assumes, what it changes and what it raises.
 */
import { rotateAlternatingUsers } from "./alternating/rotation";
import type { Config } from "./config";
import type { RoleSession } from "./db/postgres";
import { scramSha256Verifier } from "./db/scram";
import { CredentialDriftError, RotationInProgress } from "./errors";
import type { PendingRecord } from "./pending";
import * as protocol from "./protocol";
import {
  Run,
  SimulatedCrash,
  type Invocation,
  type RotationDeps,
  type RotationResult,
} from "./run";
import type { StepName } from "./steps";

export { decideRecovery, type RecoveryVerdict } from "./recovery";
export type * from "./run";

/** Rotate the role's password, or finish an interrupted rotation. */
export async function rotate(
  config: Config,
  deps: RotationDeps,
  invocation: Invocation,
): Promise<RotationResult> {
  const run = new Run(config, deps, invocation);
  try {
    const outcome =
      config.strategy.kind === "alternating-users"
        ? await rotateAlternatingUsers(run, config.strategy)
        : await protocol.runProtocol(run, singleUser);
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

/**
 * Single-user: the session that changes the password is the role's own, opened with the
 * current password; recovery falls back on that password when the staged one is rejected.
 */
const singleUser: protocol.Strategy<RoleSession, string> = { read, recover, apply, verify };

/**
 * Step 1, read. Assumes nothing. Changes nothing.
 * Reads the current password and the pending parameter. Without a pending parameter it also
 * logs in with the current password, so that a wrong password or an unreachable database
 * stops the run before anything is written; the session is reused by `apply`.
 * Raises: parameter-missing / parameter-malformed / parameter-store, credential-drift when
 * the database rejects the current password, database-unreachable.
 */
async function read(run: Run): Promise<protocol.ReadState<RoleSession, string>> {
  const role = run.config.db.user;
  const current = await protocol.readCurrentPassword(run, "holding the role's current password");
  const pending = await protocol.readPending(run, [role]);
  if (pending !== undefined) return { kind: "interrupted", pending, context: current };
  try {
    const session = await openSession(run, current, "read");
    return { kind: "fresh", role, session };
  } catch (error) {
    if (error instanceof CredentialDriftError) {
      await protocol.rejectIfAnotherRunMovedOn(run, current);
    }
    throw error;
  }
}

/**
 * Recovery, after the lease takeover (protocol.ts). Assumes: the password parameter holds
 * the password used before the interrupted run. Changes nothing.
 * Decides (see `decideRecovery`): the staged password logs in → publish it; else the
 * current one logs in → re-apply the staged password (the first apply never committed).
 * Raises: credential-drift when the database rejects both; database-unreachable when either
 * login failed for another reason (a network or TLS failure says nothing about a password).
 */
async function recover(
  run: Run,
  ours: PendingRecord,
  current: string,
): Promise<protocol.RecoveryDecision<RoleSession>> {
  const user = run.config.db.user;
  const staged = await run.deps.database.canLogin(user, ours.password);
  const fallback =
    staged.kind === "rejected" && current !== ours.password
      ? await protocol.tryOpen(run, () => run.deps.database.openSession(user, current))
      : staged.kind === "accepted"
        ? undefined
        : { login: staged };
  return protocol.recoveryDecision(run, staged, fallback, () => {
    const { password, pending } = run.config.parameters;
    return new CredentialDriftError({
      step: "recover",
      problem: `credential drift: the database rejects both the password in ${password} and the staged one in ${pending}`,
      stateLeft: `nothing changed; ${password} and ${pending} keep their values`,
      action: `someone changed the role's password outside this rotation; set it back to the value in ${password} (ALTER ROLE … PASSWORD), or put the role's real password in ${password}, then re-run`,
    });
  });
}

/**
 * Step 3, apply. Assumes: the pending parameter holds the staged password, this run holds
 * the lease, and `session` is open as the role with the current password.
 * Changes: the role's password, by `ALTER ROLE … PASSWORD '<SCRAM verifier>'` sent while
 * logged in as the role itself; the plaintext never reaches the server. Commits on return.
 */
async function apply(run: Run, session: RoleSession): Promise<void> {
  await protocol.applyWith(run, session, (open) =>
    open.setPassword(run.config.db.user, scramSha256Verifier(run.newPassword())),
  );
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
  if (login.kind === "unreachable") throw protocol.unreachable(run, "verify", login.detail);
  if (login.kind === "accepted" && login.currentUser === user) return;
  throw protocol.verifyFailed(
    run,
    login.kind === "rejected"
      ? `the database rejects the new password (${login.detail})`
      : `logging in with the new password gave current_user ${login.currentUser}, not ${user}`,
    `pg_hba.conf and the role's VALID UNTIL for ${user}`,
  );
}

/** A session as the role with `password`; raises credential-drift when the database rejects it. */
function openSession(run: Run, password: string, step: StepName): Promise<RoleSession> {
  const user = run.config.db.user;
  return protocol.openTracked(
    run,
    step,
    () => run.deps.database.openSession(user, password),
    (detail) => {
      const name = run.config.parameters.password;
      return new CredentialDriftError({
        step,
        problem: `credential drift: the database rejects the password in ${name} for role ${user} (${detail})`,
        stateLeft: run.stateLeft(step),
        action: `put the role's real password in ${name} (or reset the role to the stored one), then re-run`,
      });
    },
  );
}
