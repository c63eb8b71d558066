/**
 * The single-user strategy: the role DB_USER changes its own password. This file says only
 * what single-user does in steps 1, 3, 4 and recovery (docs/design.md §Strategies); the
 * protocol and the shared steps are in ../core/protocol.ts. Each step says what it assumes,
 * what it changes and what it raises.
 */
import { scramSha256Verifier } from "../core/scram";
import { CredentialDriftError } from "../errors";
import type { PendingRecord } from "../core/pending";
import type { RoleSession } from "../core/ports";
import { runProtocol } from "../core/protocol";
import type { Run } from "../core/run";
import type { StepName } from "../core/steps";
import type { DryRunCheck, ReadState, RecoveryDecision, Strategy } from "../core/strategy";
import * as kit from "../core/strategy-kit";

/**
 * Single-user: the session that changes the password is the role's own, opened with the
 * current password; recovery falls back on that password when the staged one is rejected.
 */
export function singleUser(user: string): Strategy {
  const steps = {
    read: (run: Run) => read(run, user),
    recover: (run: Run, ours: PendingRecord, current: string) => recover(run, user, ours, current),
    apply: (run: Run, session: RoleSession) => apply(run, user, session),
    verify: (run: Run) => verify(run, user),
  };
  return {
    name: "single-user",
    rotate: (run) => runProtocol(run, steps),
    roles: () => ({ staged: user, published: undefined }),
    dryRunChecks: [currentPasswordLogin(user)],
  };
}

/**
 * Step 1, read. Assumes nothing. Changes nothing.
 * Reads the current password and the pending parameter. Without a pending parameter it also
 * logs in with the current password, so that a wrong password or an unreachable database
 * stops the run before anything is written; the session is reused by `apply`.
 * Raises: parameter-missing / parameter-malformed / parameter-store, credential-drift when
 * the database rejects the current password, database-unreachable.
 */
async function read(run: Run, user: string): Promise<ReadState<RoleSession, string>> {
  const { current, pending } = await kit.readCurrentAndPending(
    run,
    "holding the role's current password",
    [user],
  );
  if (pending !== undefined) return { kind: "interrupted", pending, context: current };
  try {
    const session = await openSession(run, user, current, "read");
    return { kind: "fresh", role: user, session };
  } catch (error) {
    if (error instanceof CredentialDriftError) {
      await kit.rejectIfAnotherRunMovedOn(run, current);
    }
    throw error;
  }
}

/**
 * Recovery, after the lease takeover. Assumes: the password parameter holds the password
 * used before the interrupted run. Changes nothing.
 * Decides (see `decideRecovery`): the staged password logs in → publish it; else the
 * current one logs in → re-apply (the first apply never committed; the protocol stages a
 * password of its own first).
 * Raises: credential-drift when the database rejects both; database-unreachable when either
 * login failed for another reason (a network or TLS failure says nothing about a password).
 */
async function recover(
  run: Run,
  user: string,
  ours: PendingRecord,
  current: string,
): Promise<RecoveryDecision<RoleSession>> {
  const staged = await run.deps.database.canLogin(user, ours.password);
  const fallback =
    staged.kind === "rejected" && current !== ours.password
      ? await kit.tryOpen(run, () => run.deps.database.openSession(user, current))
      : staged.kind === "accepted"
        ? undefined
        : { login: staged };
  return kit.recoveryDecision(run, staged, fallback, () => {
    const { password, pending } = run.config.parameters;
    const fields = { found: "both-rejected", parameter: password, pending } as const;
    return run.fail("credential-drift", "recover", fields);
  });
}

/**
 * Step 3, apply. Assumes: the pending parameter holds the staged password, this run holds
 * the lease, and `session` is open as the role with the current password.
 * Changes: the role's password, by `ALTER ROLE … PASSWORD '<SCRAM verifier>'` sent while
 * logged in as the role itself; the plaintext never reaches the server. Commits on return.
 */
async function apply(run: Run, user: string, session: RoleSession): Promise<void> {
  await kit.applyWith(run, session, (open) =>
    open.setPassword(user, scramSha256Verifier(run.lease.password())),
  );
}

/**
 * Step 4, verify. Assumes: apply committed. Changes nothing.
 * Opens a fresh TLS connection with the new password and checks `current_user` is the role.
 * Raises: verify-failed when the login is rejected or lands as another user;
 * database-unreachable when the server cannot be reached.
 */
async function verify(run: Run, user: string): Promise<void> {
  const login = await run.deps.database.canLogin(user, run.lease.password());
  if (login.kind === "unreachable") throw kit.unreachable(run, "verify", login);
  if (login.kind === "accepted" && login.currentUser === user) return;
  const problem =
    login.kind === "rejected"
      ? `the database rejects the new password (${login.detail})`
      : `logging in with the new password gave current_user ${login.currentUser}, not ${user}`;
  const check = `pg_hba.conf and the role's VALID UNTIL for ${user}`;
  throw run.fail("verify-failed", "verify", { problem, check });
}

/** A session as the role with `password`; raises credential-drift when the database rejects it. */
function openSession(
  run: Run,
  user: string,
  password: string,
  step: StepName,
): Promise<RoleSession> {
  return kit.openTracked(
    run,
    step,
    () => run.deps.database.openSession(user, password),
    (detail) =>
      run.fail("credential-drift", step, {
        found: "current-rejected",
        parameter: run.config.parameters.password,
        roles: [user],
        detail: run.secrets.sanitize(detail),
      }),
  );
}

/** Dry run: the current password logs in as the role. */
function currentPasswordLogin(user: string): DryRunCheck {
  return {
    name: "current-password-login",
    async run({ config, deps, currentPassword }) {
      const current = await currentPassword();
      if (current === undefined) throw new Error("skipped: no current password");
      const login = await deps.database.canLogin(user, current);
      if (login.kind === "rejected") throw new Error(`credential drift: ${login.detail}`);
      if (login.kind === "unreachable") {
        throw new Error(`${login.problem ?? "unreachable"}: ${login.detail}`);
      }
      return `logged in to ${config.db.host}:${config.db.port} as ${login.currentUser}`;
    },
  };
}
