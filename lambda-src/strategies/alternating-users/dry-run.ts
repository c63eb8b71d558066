/**
 * The dry run's checks for alternating-users, changing nothing: which role is published and
 * that the current password logs in as it, and that the administrative credentials log in.
 */
import type { AlternatingUsersConfig } from "../../config";
import type { DryRunCheck } from "../../core/strategy";
import { parseAdminCredentials } from "./admin-credentials";
import { findPublishedRole, otherRole } from "./published-role";

/** "current-password-login" for two roles: the password belongs to whichever is published. */
export function publishedRoleLogin(roles: AlternatingUsersConfig): DryRunCheck {
  const { primaryUser, twinUser } = roles;
  return {
    name: "current-password-login",
    async run({ config, deps, currentPassword }) {
      const current = await currentPassword();
      if (current === undefined) throw new Error("skipped: no current password");
      const { username } = config.parameters;
      const found = await findPublishedRole(roles, username, current, deps);
      switch (found.kind) {
        case "found": {
          const next = otherRole(roles, found.role);
          const where = `${config.db.host}:${config.db.port}`;
          return (
            `logged in to ${where} as ${found.role}, the published role; the next rotation ` +
            `changes ${next}`
          );
        }
        case "unreachable":
          throw new Error(`${found.problem ?? "unreachable"}: ${found.detail}`);
        case "unknown-name":
          throw new Error(
            `${username ?? ""} names neither ${primaryUser} nor ${twinUser}; put the published ` +
              "role's name in it",
          );
        case "rejected":
          throw new Error(
            `credential drift: ${found.tried.join(" and ")} reject it (${found.detail})`,
          );
      }
    },
  };
}

/** "admin-login": the administrative credentials parse and log in. */
export function adminLogin(roles: AlternatingUsersConfig): DryRunCheck {
  const parameter = roles.adminParameter;
  return {
    name: "admin-login",
    async run({ deps, secrets }) {
      const text = await deps.store.getSecureString(parameter);
      if (text === undefined) {
        throw new Error(
          `${parameter} does not exist; create it as a SecureString holding ` +
            '{"username", "password"} of a role with CREATEROLE',
        );
      }
      secrets.remember(text);
      const admin = parseAdminCredentials(parameter, text);
      secrets.remember(admin.password);
      const session = await deps.roles.openAdminSession(admin.username, admin.password);
      await session.close();
      return (
        `the administrative role ${admin.username} (${parameter}) logs in; it creates ` +
        `${roles.twinUser} if missing`
      );
    },
  };
}
