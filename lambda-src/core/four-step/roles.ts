/**
 * What the two strategies do differently under Secrets Manager's steps: which roles the
 * secret may name, which role the next version is for, how a login is judged, and how the
 * pending password is applied. single-user changes the role's own password from its own
 * session; alternating-users changes the role not in use from the administrative session
 * of the secret `masterarn` names (which must be ADMIN_SECRET_ARN).
 */
import type { AlternatingUsersConfig, Config } from "../../config";
import { parseAdminCredentials } from "../../strategies/alternating-users/admin-credentials";
import { privilegesMissing } from "../../strategies/alternating-users/admin-session";
import { otherRole } from "../../strategies/alternating-users/published-role";
import { AdminPrivilegeError, TwinNotAdoptableError } from "../ports";
import { scramSha256Verifier } from "../scram";
import * as kit from "../strategy-kit";
import type { FourStepRun, RoleAccess } from "./run";

export function roleAccess(config: Config): RoleAccess {
  const { strategy } = config;
  return strategy.kind === "alternating-users"
    ? alternating(strategy, config.secretStore)
    : singleUser(config.db.user);
}

function singleUser(user: string): RoleAccess {
  return {
    allowed: [user],
    masterArn: undefined,
    next: () => user,
    async login(run, secret) {
      const login = await run.deps.database.canLogin(secret.username, secret.password);
      if (login.kind !== "accepted") return login;
      if (login.currentUser === secret.username) return { kind: "accepted" };
      return { kind: "wrong-identity", detail: `the login gave current_user ${login.currentUser}` };
    },
    async apply(run, pending, current) {
      const session = await kit.openTracked(
        run,
        "apply",
        () => run.deps.database.openSession(user, current.password),
        (detail) =>
          run.fail("credential-drift", "apply", {
            found: "current-rejected",
            parameter: `${run.secretArn} (AWSCURRENT)`,
            roles: [user],
            detail: run.secrets.sanitize(detail),
          }),
      );
      await kit.applyWith(run, session, (open) =>
        open.setPassword(user, scramSha256Verifier(pending.password)),
      );
    },
  };
}

function alternating(roles: AlternatingUsersConfig, store: Config["secretStore"]): RoleAccess {
  const masterArn = store.kind === "secretsmanager" ? store.adminSecretArn : undefined;
  return {
    allowed: [roles.primaryUser, roles.twinUser],
    masterArn,
    next: (current) => otherRole(roles, current),
    async login(run, secret) {
      const login = await run.deps.roles.identify(secret.username, secret.password);
      if (login.kind !== "accepted") return login;
      if (login.sessionUser !== secret.username) {
        return { kind: "wrong-identity", detail: `session_user is ${login.sessionUser}` };
      }
      if (login.currentUser !== roles.primaryUser) {
        const detail = `a session of ${secret.username} acts as ${login.currentUser}, not ${roles.primaryUser}`;
        return { kind: "wrong-identity", detail };
      }
      return { kind: "accepted" };
    },
    async apply(run, pending) {
      const admin = await readAdmin(run, roles);
      const session = await kit.openTracked(
        run,
        "apply",
        () => run.deps.roles.openAdminSession(admin.username, admin.password),
        (detail) =>
          run.fail("admin-credentials-rejected", "apply", {
            found: "admin-rejected",
            parameter: roles.adminParameter,
            detail: run.secrets.sanitize(detail),
          }),
      );
      try {
        await kit.applyWith(run, session, async (open) => {
          await open.ensureTwin(roles.primaryUser, roles.twinUser);
          await open.setPassword(pending.username, scramSha256Verifier(pending.password));
        });
      } catch (error) {
        if (error instanceof AdminPrivilegeError) throw privilegesMissing(run, roles, error);
        if (error instanceof TwinNotAdoptableError) {
          const { twin, reasons, statements } = error;
          const primary = roles.primaryUser;
          throw run.fail("twin-not-adoptable", "apply", { twin, primary, reasons, statements });
        }
        throw error;
      }
    },
  };
}

/** The administrative secret's AWSCURRENT: {"username", "password"} of a role with CREATEROLE. */
async function readAdmin(run: FourStepRun, roles: AlternatingUsersConfig) {
  const arn = roles.adminParameter;
  const text = await run.deps.versions.getValue(arn, { stage: "AWSCURRENT" });
  if (text === undefined) {
    throw run.fail("secret-malformed", "apply", {
      secret: arn,
      version: "AWSCURRENT",
      detail: "the administrative secret has no current value",
      fix: 'put {"username": ..., "password": ...} of a role with CREATEROLE in it',
    });
  }
  const admin = parseAdminCredentials(arn, text);
  run.secrets.remember(admin.password);
  if (roles.primaryUser === admin.username || roles.twinUser === admin.username) {
    throw run.fail("parameter-malformed", "apply", {
      about: "admin-is-rotated",
      parameter: arn,
      role: admin.username,
    });
  }
  return admin;
}
