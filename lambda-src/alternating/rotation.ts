/**
 * The alternating-users strategy: two login roles take turns, so that no running task ever
 * holds a password the database rejects. Steps 1, 3, 4 and recovery are here; the protocol
 * and the steps both strategies share (stage, lease takeover, publish, refresh, finish) are
 * in ../protocol.ts. Read top-down like that file.
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
import { escapeIdentifier } from "pg";
import type { StrategyConfig } from "../config";
import type { LoginOutcome } from "../db/postgres";
import {
  AdminPrivilegeError,
  createRoleAdministration,
  type AdminSession,
  type RoleAdministration,
} from "../db/roles";
import { scramSha256Verifier } from "../db/scram";
import { CredentialDriftError, RotationError } from "../errors";
import type { PendingRecord } from "../pending";
import * as protocol from "../protocol";
import type { Run, RotationOutcome } from "../run";
import type { StepName } from "../steps";
import { parseAdminCredentials, type AdminCredentials } from "./admin-credentials";
import { findPublishedRole } from "./published-role";

export type AlternatingUsers = Extract<StrategyConfig, { kind: "alternating-users" }>;

/** Rotate to the role not in use, or finish an interrupted rotation. */
export function rotateAlternatingUsers(
  run: Run,
  roles: AlternatingUsers,
): Promise<RotationOutcome> {
  return protocol.runProtocol(run, alternatingUsers(roles));
}

/**
 * Alternating-users: the session that changes a password is the administrative role's; the
 * staged role is the one not published; recovery falls back on the administrative login.
 */
function alternatingUsers(
  roles: AlternatingUsers,
): protocol.Strategy<AdminSession, AdminCredentials> {
  return {
    read: (run) => read(run, roles),
    recover: (run, ours, admin) => recover(run, roles, ours, admin),
    apply: (run, session) => apply(run, roles, session),
    verify: (run) => verify(run, roles),
  };
}

// ---------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------

/**
 * Step 1, read. Assumes nothing. Changes nothing.
 * Reads the current password, the administrative credentials and the pending parameter.
 * Without a pending parameter it finds the published role (the username parameter, or the
 * role the current password logs in as), checks that the current password logs in as it,
 * and logs in as the administrative role, so bad credentials stop the run before any write.
 * The role to stage is the one not published.
 * Raises: parameter-missing / parameter-malformed / parameter-store; credential-drift when
 * the current password logs in as neither role; admin-credentials-rejected;
 * database-unreachable.
 */
async function read(
  run: Run,
  roles: AlternatingUsers,
): Promise<protocol.ReadState<AdminSession, AdminCredentials>> {
  const current = await protocol.readCurrentPassword(
    run,
    "holding the published role's current password",
  );
  const admin = await readAdminCredentials(run, roles);
  const pending = await protocol.readPending(run, [roles.primaryUser, roles.twinUser]);
  if (pending !== undefined) return { kind: "interrupted", pending, context: admin };

  const published = await publishedRole(run, roles, current);
  const session = await openAdminSession(run, roles, admin, "read");
  const next = published === roles.primaryUser ? roles.twinUser : roles.primaryUser;
  run.logger.info("roles", { step: "read", outcome: "ok", published, next });
  return { kind: "fresh", role: next, session };
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
      throw protocol.unreachable(run, "read", found.detail);
    case "unknown-name":
      throw new RotationError({
        step: "read",
        kind: "parameter-malformed",
        problem: `the username parameter ${usernameParameter ?? ""} names neither ${roles.primaryUser} nor its twin ${roles.twinUser}`,
        stateLeft: "nothing changed",
        action: `put the role the password in ${run.config.parameters.password} belongs to (${roles.primaryUser} or ${roles.twinUser}) in ${usernameParameter ?? ""}, then re-run`,
      });
    case "rejected": {
      await protocol.rejectIfAnotherRunMovedOn(run, current);
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

/**
 * Recovery, after the lease takeover (../protocol.ts). Assumes: the published role's
 * password was never changed by the interrupted run. Changes nothing.
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
  ours: PendingRecord,
  admin: AdminCredentials,
): Promise<protocol.RecoveryDecision<AdminSession>> {
  const identified = await roleAdministration(run).identify(ours.username, ours.password);
  const staged: LoginOutcome =
    identified.kind === "accepted"
      ? { kind: "accepted", currentUser: identified.sessionUser }
      : identified;
  const fallback =
    staged.kind === "rejected"
      ? await protocol.tryOpen(run, () =>
          roleAdministration(run).openAdminSession(admin.username, admin.password),
        )
      : undefined;
  return protocol.recoveryDecision(run, staged, fallback, () =>
    adminRejected(
      run,
      roles,
      "recover",
      `the database rejects the staged password for ${ours.username} (the interrupted apply never committed), and it rejects the administrative credentials that would re-apply it`,
    ),
  );
}

/**
 * Step 3, apply. Assumes: the pending parameter holds the staged role and password, this run
 * holds the lease, and `session` is open as the administrative role.
 * Changes, as the administrative role: makes sure the twin exists and acts as the primary,
 * then sets the staged role's password by `ALTER ROLE … PASSWORD '<SCRAM verifier>'`; the
 * plaintext never reaches the server. The published role is not touched.
 * Raises: admin-privileges-missing when the administrative role may not create, grant or
 * alter the roles (no CREATEROLE, or on PostgreSQL 16+ no ADMIN OPTION).
 */
async function apply(run: Run, roles: AlternatingUsers, session: AdminSession): Promise<void> {
  try {
    await protocol.applyWith(run, session, async (open) => {
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
    });
  } catch (error) {
    if (error instanceof AdminPrivilegeError) throw privilegesMissing(run, roles, error);
    throw error;
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
  if (login.kind === "unreachable") throw protocol.unreachable(run, "verify", login.detail);
  let problem: string | undefined;
  if (login.kind === "rejected") {
    problem = `the database rejects the new password for ${role} (${run.sanitize(login.detail)})`;
  } else if (login.sessionUser !== role) {
    problem = `logging in as ${role} gave session_user ${login.sessionUser}`;
  } else if (login.currentUser !== roles.primaryUser) {
    problem = `a session of ${role} acts as ${login.currentUser}, not ${roles.primaryUser}: objects it creates would not belong to ${roles.primaryUser} (ALTER ROLE ${roles.twinUser} SET role was removed?)`;
  }
  if (problem === undefined) return;
  throw protocol.verifyFailed(
    run,
    problem,
    `pg_hba.conf, VALID UNTIL and the role settings of ${role}`,
  );
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

function roleAdministration(run: Run): RoleAdministration {
  // The handler always provides it; a caller of rotate() without it gets the real one.
  return run.deps.roles ?? createRoleAdministration(run.config.db);
}

async function readAdminCredentials(run: Run, roles: AlternatingUsers): Promise<AdminCredentials> {
  const name = roles.adminParameter;
  const text = await protocol.requireSecureString(
    run,
    name,
    "the administrative credentials parameter",
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

function openAdminSession(
  run: Run,
  roles: AlternatingUsers,
  admin: AdminCredentials,
  step: StepName,
): Promise<AdminSession> {
  return protocol.openTracked(
    run,
    step,
    () => roleAdministration(run).openAdminSession(admin.username, admin.password),
    (detail) =>
      adminRejected(
        run,
        roles,
        step,
        `the database rejects the administrative credentials in ${roles.adminParameter} (${run.sanitize(detail)})`,
      ),
  );
}

function adminRejected(
  run: Run,
  roles: AlternatingUsers,
  step: StepName,
  problem: string,
): RotationError {
  return new RotationError({
    step,
    kind: "admin-credentials-rejected",
    problem,
    stateLeft: run.stateLeft(step),
    action: `put the current username and password of a role with CREATEROLE in ${roles.adminParameter} as {"username": ..., "password": ...}, then re-run`,
  });
}

/**
 * The administrative role logged in but may not manage the two roles. On PostgreSQL 15 and
 * before, CREATEROLE is enough; from 16, CREATEROLE manages only roles it holds ADMIN OPTION
 * on (automatic for roles it created, such as the twin, but not for the primary).
 */
function privilegesMissing(
  run: Run,
  roles: AlternatingUsers,
  error: AdminPrivilegeError,
): RotationError {
  const admin = error.adminRole;
  return new RotationError({
    step: "apply",
    kind: "admin-privileges-missing",
    problem: `the administrative role ${admin} may not ${error.attempted} (${run.sanitize(error.detail)})`,
    stateLeft: run.stateLeft("apply"),
    action: `as a superuser (on RDS, the master user) run ALTER ROLE ${escapeIdentifier(admin)} CREATEROLE; on PostgreSQL 16 and later also GRANT ${escapeIdentifier(roles.primaryUser)} TO ${escapeIdentifier(admin)} WITH ADMIN OPTION (and the same for ${escapeIdentifier(roles.twinUser)} if ${admin} did not create it); then re-run: recovery re-applies the staged password`,
  });
}
