/**
 * The alternating-users strategy: two login roles take turns, so that no running task ever
 * holds a password the database rejects. Steps 1-4 are here; 5-7 (publish, refresh, finish)
 * are the shared ones in ../rotation.ts. Read top-down like that file.
 *
 * PostgreSQL has no dual passwords: with one role, tasks still holding the old password
 * cannot open connections from the ALTER ROLE until the refresh replaces them. Here the
 * primary role (DB_USER) has a twin (DB_TWIN_USER, a member of the primary that acts as it
 * once logged in). An administrative role changes the password of the role that is NOT
 * published; the published username, password and DATABASE_URL then switch to it. The role
 * the running tasks use is never touched, so they keep working until the refresh restarts
 * them with the new pair.
 *
 * Invariant (DESIGN 1, per role): at every instant the published password logs in as the
 * published role, or the staged password logs in as the staged role (the pending parameter
 * records both). A run never changes the published role's password.
 *
 * Assumption: a rotation starts after the previous one's refresh has replaced every task, so
 * no task still uses the role about to change. The refresh step waits for that, and the
 * schedule is days apart.
 */
import type { StrategyConfig } from "../config";
import { LoginFailedError, type LoginOutcome } from "../db/postgres";
import { createRoleAdministration, type AdminSession, type RoleAdministration } from "../db/roles";
import { scramSha256Verifier } from "../db/scram";
import { CredentialDriftError, RotationError, RotationInProgress } from "../errors";
import {
  leaseHeld,
  parsePending,
  serializePending,
  takeOverLease,
  type PendingRecord,
} from "../pending";
import { decideRecovery } from "../recovery";
import {
  checkPasswordValue,
  confirmLease,
  publishRefreshFinish,
  rejectIfAnotherRunMovedOn,
  stage,
  unreachable,
} from "../rotation";
import type { Run, RotationOutcome } from "../run";
import type { StepName } from "../steps";
import { parseAdminCredentials, type AdminCredentials } from "./admin-credentials";
import { findPublishedRole } from "./published-role";

export type AlternatingUsers = Extract<StrategyConfig, { kind: "alternating-users" }>;

/** Rotate to the role not in use, or finish an interrupted rotation. */
export async function rotateAlternatingUsers(
  run: Run,
  roles: AlternatingUsers,
): Promise<RotationOutcome> {
  const state = await run.step("read", () => read(run, roles));
  if (state.kind === "interrupted") return resume(run, roles, state.admin, state.pending);
  await run.step("stage", () => stage(run, state.next));
  await run.step("apply", () => apply(run, roles, state.admin, state.session));
  await run.step("verify", () => verify(run, roles));
  await publishRefreshFinish(run);
  return "rotated";
}

/** DESIGN invariant 2, per role: finish what an interrupted run started, at most one change. */
async function resume(
  run: Run,
  roles: AlternatingUsers,
  admin: AdminCredentials,
  pending: PendingRecord,
): Promise<RotationOutcome> {
  if (leaseHeld(pending, run.now())) {
    throw new RotationInProgress(pending.invocationId, pending.leaseExpiresAt);
  }
  const decision = await run.step("recover", () => recover(run, roles, admin, pending));
  if (decision.kind === "reapply") {
    await run.step("apply", () => apply(run, roles, admin, decision.session));
    await run.step("verify", () => verify(run, roles));
  }
  await publishRefreshFinish(run);
  return "recovered";
}

// ---------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------

type ReadState =
  | {
      readonly kind: "fresh";
      readonly admin: AdminCredentials;
      /** The role not published: the one whose password this run changes. */
      readonly next: string;
      /** Open as the administrative role; reused by `apply`. */
      readonly session: AdminSession;
    }
  | {
      readonly kind: "interrupted";
      readonly admin: AdminCredentials;
      readonly pending: PendingRecord;
    };

/**
 * Step 1, read. Assumes nothing. Changes nothing.
 * Reads the current password, the administrative credentials and the pending parameter.
 * Without a pending parameter it finds the published role (the username parameter, or the
 * role the current password logs in as), checks that the current password logs in as it,
 * and logs in as the administrative role, so bad credentials stop the run before any write.
 * Raises: parameter-missing / parameter-malformed / parameter-store; credential-drift when
 * the current password logs in as neither role; admin-credentials-rejected;
 * database-unreachable.
 */
async function read(run: Run, roles: AlternatingUsers): Promise<ReadState> {
  const { password: passwordName, pending: pendingName } = run.config.parameters;
  const current = await requireParameter(
    run,
    passwordName,
    "holding the published role's current password",
  );
  checkPasswordValue(passwordName, current);
  const admin = await readAdminCredentials(run, roles);

  const pendingText = await run.deps.store.getSecureString(pendingName);
  if (pendingText !== undefined) {
    run.remember(pendingText);
    const pending = parsePending(pendingName, pendingText, "read");
    run.remember(pending.password);
    checkStagedRole(run, roles, pending);
    return { kind: "interrupted", admin, pending };
  }

  const published = await publishedRole(run, roles, current);
  const session = await openAdminSession(run, roles, admin, "read");
  const next = published === roles.primaryUser ? roles.twinUser : roles.primaryUser;
  run.logger.info("roles", { step: "read", outcome: "ok", published, next });
  return { kind: "fresh", admin, next, session };
}

/**
 * Which role the applications use now (see published-role.ts), checking that the current
 * password logs in as it. Raises: credential-drift (after checking no other run moved on),
 * database-unreachable, parameter-malformed when the username parameter names neither role.
 */
async function publishedRole(run: Run, roles: AlternatingUsers, current: string): Promise<string> {
  const usernameParameter = run.config.parameters.username;
  const found = await findPublishedRole(roles, usernameParameter, current, run.deps);
  switch (found.kind) {
    case "found":
      return found.role;
    case "unreachable":
      throw unreachable(run, "read", found.detail);
    case "unknown-name":
      throw new RotationError({
        step: "read",
        kind: "parameter-malformed",
        problem: `the username parameter ${usernameParameter ?? ""} names neither ${roles.primaryUser} nor its twin ${roles.twinUser}`,
        stateLeft: "nothing changed",
        action: `put the role the password in ${run.config.parameters.password} belongs to (${roles.primaryUser} or ${roles.twinUser}) in ${usernameParameter ?? ""}, then re-run`,
      });
    case "rejected": {
      await rejectIfAnotherRunMovedOn(run, current);
      const name = run.config.parameters.password;
      throw new CredentialDriftError({
        step: "read",
        problem: `credential drift: the database rejects the password in ${name} for ${found.tried.join(" and ")} (${run.sanitize(found.detail)})`,
        stateLeft: "nothing changed",
        action: `put the published role's real password in ${name}${usernameParameter ? ` and its name in ${usernameParameter}` : ""} (or reset that role to the stored password), then re-run`,
      });
    }
  }
}

type RecoveryDecision =
  { readonly kind: "publish" } | { readonly kind: "reapply"; readonly session: AdminSession };

/**
 * Recovery, entered when a pending parameter exists and its lease has expired.
 * Assumes: the published role's password was never changed by the interrupted run.
 * Changes: takes over the lease (same role and password, this run's lease). Not the database.
 * Decides, per role (`decideRecovery`, with the administrative login in the place of the
 * current password):
 *
 *   staged password as staged role   administrative login   → verdict
 *   accepted                         (not tried)            → publish
 *   rejected                         accepted               → reapply (apply never committed)
 *   rejected                         rejected               → stop: admin-credentials-rejected
 *   unreachable (either)                                    → stop: database-unreachable
 */
async function recover(
  run: Run,
  roles: AlternatingUsers,
  admin: AdminCredentials,
  pending: PendingRecord,
): Promise<RecoveryDecision> {
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

  const staged = await roleAdministration(run).identify(ours.username, ours.password);
  const stagedLogin: LoginOutcome =
    staged.kind === "accepted" ? { kind: "accepted", currentUser: staged.sessionUser } : staged;
  let session: AdminSession | undefined;
  let adminLogin: LoginOutcome | undefined;
  if (staged.kind === "rejected") {
    try {
      session = await roleAdministration(run).openAdminSession(admin.username, admin.password);
      run.track(session);
      adminLogin = { kind: "accepted", currentUser: session.currentUser };
    } catch (error) {
      if (!(error instanceof LoginFailedError)) throw error;
      adminLogin = error.outcome;
    }
  }
  const verdict = decideRecovery(stagedLogin, adminLogin);
  run.logger.info("recovery decision", { step: "recover", outcome: verdict });
  switch (verdict) {
    case "publish":
      return { kind: "publish" };
    case "reapply":
      if (session === undefined) throw new Error("reapply decided without a session");
      return { kind: "reapply", session };
    case "drift":
      throw adminRejected(
        run,
        roles,
        "recover",
        `the database rejects the staged password for ${ours.username} (the interrupted apply never committed), and it rejects the administrative credentials that would re-apply it`,
      );
    case "unreachable": {
      const failure = [stagedLogin, adminLogin].find((o) => o?.kind === "unreachable");
      throw unreachable(run, "recover", failure?.kind === "unreachable" ? failure.detail : "");
    }
  }
}

/**
 * Step 3, apply. Assumes: the pending parameter holds the staged role and password, this run
 * holds the lease, and the administrative credentials log in (a session is open, or opened).
 * Changes, as the administrative role: makes sure the twin exists and acts as the primary,
 * then sets the staged role's password by `ALTER ROLE … PASSWORD '<SCRAM verifier>'`; the
 * plaintext never reaches the server. The published role is not touched.
 * Raises: admin-credentials-rejected / database-unreachable if the session cannot be opened.
 */
async function apply(
  run: Run,
  roles: AlternatingUsers,
  admin: AdminCredentials,
  session: AdminSession | undefined,
): Promise<void> {
  const open = session ?? (await openAdminSession(run, roles, admin, "apply"));
  try {
    const twin = await open.ensureTwin(roles.primaryUser, roles.twinUser);
    if (twin === "created") {
      run.logger.info("created the twin role", {
        step: "apply",
        outcome: "twin-created",
        twin: roles.twinUser,
        actsAs: roles.primaryUser,
      });
    }
    await open.setPassword(run.stagedRole(), scramSha256Verifier(run.newPassword()));
    run.applied();
  } finally {
    await run.closeSession(open);
  }
}

/**
 * Step 4, verify. Assumes: apply committed. Changes nothing.
 * Opens a fresh TLS connection as the staged role with the new password and checks that the
 * session is that role and acts as the primary (so whatever it creates, the primary owns).
 * Raises: verify-failed; database-unreachable.
 */
async function verify(run: Run, roles: AlternatingUsers): Promise<void> {
  const role = run.stagedRole();
  const login = await roleAdministration(run).identify(role, run.newPassword());
  if (login.kind === "unreachable") throw unreachable(run, "verify", login.detail);
  let problem: string | undefined;
  if (login.kind === "rejected") {
    problem = `the database rejects the new password for ${role} (${run.sanitize(login.detail)})`;
  } else if (login.sessionUser !== role) {
    problem = `logging in as ${role} gave session_user ${login.sessionUser}`;
  } else if (login.currentUser !== roles.primaryUser) {
    problem = `a session of ${role} acts as ${login.currentUser}, not ${roles.primaryUser}: objects it creates would not belong to ${roles.primaryUser} (ALTER ROLE ${roles.twinUser} SET role was removed?)`;
  }
  if (problem === undefined) return;
  throw new RotationError({
    step: "verify",
    kind: "verify-failed",
    problem,
    stateLeft: run.stateLeft("verify"),
    action: `check pg_hba.conf, VALID UNTIL and the role settings of ${role}; then re-run: recovery publishes the staged password if it logs in`,
  });
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

function roleAdministration(run: Run): RoleAdministration {
  // The handler always provides it; a caller of rotate() without it gets the real one.
  return run.deps.roles ?? createRoleAdministration(run.config.db);
}

async function requireParameter(run: Run, name: string, holding: string): Promise<string> {
  const value = await run.deps.store.getSecureString(name);
  if (value === undefined) {
    throw new RotationError({
      step: "read",
      kind: "parameter-missing",
      problem: `the parameter ${name} does not exist`,
      stateLeft: "nothing changed",
      action: `create ${name} as a SecureString ${holding}, then re-run`,
    });
  }
  run.remember(value);
  return value;
}

async function readAdminCredentials(run: Run, roles: AlternatingUsers): Promise<AdminCredentials> {
  const name = roles.adminParameter;
  const text = await requireParameter(
    run,
    name,
    'holding {"username": "<role with CREATEROLE>", "password": "<its password>"}',
  );
  const admin = parseAdminCredentials(name, text);
  run.remember(admin.password);
  if (admin.username === roles.primaryUser || admin.username === roles.twinUser) {
    throw new RotationError({
      step: "read",
      kind: "parameter-malformed",
      problem: `the administrative credentials in ${name} are those of ${admin.username}, one of the two rotated roles`,
      stateLeft: "nothing changed",
      action: `put the credentials of a separate role with CREATEROLE (e.g. the RDS master user) in ${name}, then re-run`,
    });
  }
  return admin;
}

function checkStagedRole(run: Run, roles: AlternatingUsers, pending: PendingRecord): void {
  if (pending.username === roles.primaryUser || pending.username === roles.twinUser) return;
  const name = run.config.parameters.pending;
  throw new RotationError({
    step: "read",
    kind: "parameter-malformed",
    problem: `the pending parameter ${name} was staged for role ${pending.username}, but this function rotates ${roles.primaryUser} and ${roles.twinUser}`,
    stateLeft: "nothing changed",
    action: `find which password role ${pending.username} accepts, store it where its applications read it, delete ${name}, then re-run`,
  });
}

async function openAdminSession(
  run: Run,
  roles: AlternatingUsers,
  admin: AdminCredentials,
  step: StepName,
): Promise<AdminSession> {
  try {
    const session = await roleAdministration(run).openAdminSession(admin.username, admin.password);
    run.track(session);
    return session;
  } catch (error) {
    if (!(error instanceof LoginFailedError)) throw error;
    if (error.outcome.kind === "unreachable") throw unreachable(run, step, error.outcome.detail);
    throw adminRejected(
      run,
      roles,
      step,
      `the database rejects the administrative credentials in ${roles.adminParameter} (${run.sanitize(error.outcome.detail)})`,
    );
  }
}

function adminRejected(
  run: Run,
  roles: AlternatingUsers,
  step: StepName,
  problem: string,
): RotationError {
  const name = roles.adminParameter;
  return new RotationError({
    step,
    kind: "admin-credentials-rejected",
    problem,
    stateLeft: `${run.stateLeft(step)}; the published credentials were not touched and keep working`,
    action: `put the current username and password of a role with CREATEROLE in ${name} as {"username": ..., "password": ...}, then re-run`,
  });
}
