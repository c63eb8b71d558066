/**
 * The alternating-users strategy: two login roles take turns, so that no running task ever
 * holds a password the database rejects. Steps 1, 3, 4 and recovery are here; the protocol
 * and the steps both strategies share (stage, lease takeover, publish, refresh, finish) are
 * in ../../core/kit.ts (docs/design.md §Strategies). Read top-down like that file.
 *
 * PostgreSQL has no dual passwords: with one role, tasks still holding the old password
 * cannot open connections from the ALTER ROLE until the refresh replaces them. Here the
 * primary role (DB_USER) has a twin (DB_TWIN_USER, a member of the primary that acts as it
 * once logged in). An administrative role changes the password of the role that is NOT
 * published; the published username, password and DATABASE_URL then switch to it. The role
 * the running tasks use is never touched, so they keep working until the refresh restarts
 * them with the new pair.
 *
 * Invariant (docs/design.md §Invariants 1, per role): at every instant the published
 * password logs in as the published role, or the staged password logs in as the staged role
 * (the pending parameter records both). A run never changes the published role's password.
 *
 * Assumption: a rotation starts after the previous one's refresh has replaced every task, so
 * no task still uses the role about to change. The refresh step waits for that, and the
 * schedule is days apart.
 */
import type { AlternatingUsersConfig } from "../../config";
import type { PendingRecord } from "../../core/pending";
import {
  AdminPrivilegeError,
  TwinNotAdoptableError,
  type AdminSession,
  type LoginOutcome,
} from "../../core/ports";
import { runProtocol } from "../../core/protocol";
import type { Run } from "../../core/run";
import type { ReadState, RecoveryDecision, Strategy } from "../../core/strategy";
import * as kit from "../../core/strategy-kit";
import { scramSha256Verifier } from "../../core/scram";
import { generatePassword } from "../../password";
import type { AdminCredentials } from "./admin-credentials";
import { openAdminSession, privilegesMissing, readAdminCredentials } from "./admin-session";
import { adminLogin, publishedRoleLogin } from "./dry-run";
import { findPublishedRole, otherRole } from "./published-role";

type Roles = AlternatingUsersConfig;

/**
 * Alternating-users: the session that changes a password is the administrative role's; the
 * staged role is the one not published; recovery falls back on the administrative login.
 */
export function alternatingUsers(roles: Roles): Strategy {
  const steps = {
    read: (run: Run) => read(run, roles),
    recover: (run: Run, ours: PendingRecord, admin: AdminCredentials) =>
      recover(run, roles, ours, admin),
    apply: (run: Run, session: AdminSession) => apply(run, roles, session),
    verify: (run: Run) => verify(run, roles),
    revokePrevious: (run: Run) => revokePrevious(run, roles),
  };
  return {
    name: "alternating-users",
    rotate: (run) => runProtocol(run, steps),
    roles: (staged) =>
      staged === undefined
        ? { staged: "the role not in use", published: "the published role" }
        : { staged, published: otherRole(roles, staged) },
    dryRunChecks: [publishedRoleLogin(roles), adminLogin(roles)],
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
async function read(run: Run, roles: Roles): Promise<ReadState<AdminSession, AdminCredentials>> {
  const { current, pending } = await kit.readCurrentAndPending(
    run,
    "holding the published role's current password",
    [roles.primaryUser, roles.twinUser],
  );
  const admin = await readAdminCredentials(run, roles);
  if (pending !== undefined) return { kind: "interrupted", pending, context: admin };

  const published = await publishedRole(run, roles, current);
  const session = await openAdminSession(run, roles, admin, "read");
  const next = otherRole(roles, published);
  run.logger.info("roles", { step: "read", outcome: "ok", published, next });
  return { kind: "fresh", role: next, session };
}

/**
 * Which role the applications use now (see published-role.ts), checking that the current
 * password logs in as it. Raises: credential-drift (after checking no other run moved on),
 * database-unreachable, parameter-malformed when the username parameter names neither role.
 */
async function publishedRole(run: Run, roles: Roles, current: string): Promise<string> {
  const { username, password } = run.config.parameters;
  const found = await findPublishedRole(roles, username, current, run.deps);
  switch (found.kind) {
    case "found":
      return found.role;
    case "unreachable":
      throw kit.unreachable(run, "read", found);
    case "unknown-name":
      throw run.fail("parameter-malformed", "read", {
        about: "username",
        parameter: username ?? "",
        password,
        roles: [roles.primaryUser, roles.twinUser],
      });
    case "rejected": {
      await kit.rejectIfAnotherRunMovedOn(run, current);
      throw run.fail("credential-drift", "read", {
        found: "current-rejected",
        parameter: password,
        roles: found.tried,
        detail: run.secrets.sanitize(found.detail),
      });
    }
  }
}

/**
 * Recovery, after the lease takeover (../../core/protocol.ts). Assumes: the published role's
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
  roles: Roles,
  ours: PendingRecord,
  admin: AdminCredentials,
): Promise<RecoveryDecision<AdminSession>> {
  const identified = await run.deps.roles.identify(ours.username, ours.password);
  const staged: LoginOutcome =
    identified.kind === "accepted"
      ? { kind: "accepted", currentUser: identified.sessionUser }
      : identified;
  const fallback =
    staged.kind === "rejected"
      ? await kit.tryOpen(run, () =>
          run.deps.roles.openAdminSession(admin.username, admin.password),
        )
      : undefined;
  return kit.recoveryDecision(run, staged, fallback, () =>
    run.fail("admin-credentials-rejected", "recover", {
      found: "both-rejected",
      parameter: roles.adminParameter,
      stagedRole: ours.username,
    }),
  );
}

/**
 * Step 3, apply. Assumes: the pending parameter holds the staged role and password, this run
 * holds the lease, and `session` is open as the administrative role.
 * Changes, as the administrative role: makes sure the twin exists and acts as the primary,
 * then sets the staged role's password by `ALTER ROLE … PASSWORD '<SCRAM verifier>'`; the
 * plaintext never reaches the server. The published role is not touched.
 * Raises: admin-privileges-missing when the administrative role may not create, grant or
 * alter the roles (no CREATEROLE, or on PostgreSQL 16+ no ADMIN OPTION); twin-not-adoptable
 * when an existing twin has other members or admins, or SUPERUSER, CREATEROLE, BYPASSRLS or
 * REPLICATION (the transaction is rolled back: nothing changed in the database).
 */
async function apply(run: Run, roles: Roles, session: AdminSession): Promise<void> {
  try {
    await kit.applyWith(run, session, async (open) => {
      const twin = await open.ensureTwin(roles.primaryUser, roles.twinUser);
      if (twin === "created") {
        run.logger.info("created the twin role", {
          step: "apply",
          outcome: "twin-created",
          twin: roles.twinUser,
          actsAs: roles.primaryUser,
        });
      }
      await open.setPassword(run.lease.role(), scramSha256Verifier(run.lease.password()));
    });
  } catch (error) {
    if (error instanceof AdminPrivilegeError) throw privilegesMissing(run, roles, error);
    if (error instanceof TwinNotAdoptableError) {
      const { twin, reasons, statements } = error;
      throw run.fail("twin-not-adoptable", "apply", {
        twin,
        primary: roles.primaryUser,
        reasons,
        statements,
      });
    }
    throw error;
  }
}

/**
 * Step 4, verify. Assumes: apply committed. Changes nothing.
 * Opens a fresh TLS connection as the staged role with the new password and checks that the
 * session is that role and acts as the primary (so whatever it creates, the primary owns).
 * Raises: verify-failed; database-unreachable.
 */
async function verify(run: Run, roles: Roles): Promise<void> {
  const role = run.lease.role();
  const login = await run.deps.roles.identify(role, run.lease.password());
  if (login.kind === "unreachable") throw kit.unreachable(run, "verify", login);
  const { primaryUser: primary, twinUser: twin } = roles;
  let problem: string | undefined;
  if (login.kind === "rejected") {
    problem = `the database rejects the new password for ${role} (${login.detail})`;
  } else if (login.sessionUser !== role) {
    problem = `logging in as ${role} gave session_user ${login.sessionUser}`;
  } else if (login.currentUser !== primary) {
    problem =
      `a session of ${role} acts as ${login.currentUser}, not ${primary}: objects it creates ` +
      `would not belong to ${primary} (ALTER ROLE ${twin} SET role was removed?)`;
  }
  if (problem === undefined) return;
  const check = `pg_hba.conf, VALID UNTIL and the role settings of ${role}`;
  throw run.fail("verify-failed", "verify", { problem: run.secrets.sanitize(problem), check });
}

/**
 * Step 6b, revoke only. Assumes: the staged role is published and every service refreshed.
 * Changes, as the administrative role: the other role's password, to one stored nowhere (the
 * next rotation sets it again through the administrative login). Raises as `apply` does.
 */
async function revokePrevious(run: Run, roles: Roles): Promise<void> {
  const previous = otherRole(roles, run.lease.role());
  const admin = await readAdminCredentials(run, roles);
  const session = await openAdminSession(run, roles, admin, "revoke-previous");
  const unseen = generatePassword(run.config.passwordPolicy);
  run.secrets.remember(unseen);
  try {
    await session.setPassword(previous, scramSha256Verifier(unseen));
  } catch (error) {
    if (error instanceof AdminPrivilegeError) {
      throw privilegesMissing(run, roles, error, "revoke-previous");
    }
    throw error;
  } finally {
    await run.sessions.close(session);
  }
}
