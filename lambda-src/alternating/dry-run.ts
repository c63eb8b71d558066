/**
 * The dry run's checks for alternating-users, changing nothing: which role is published and
 * that the current password logs in as it, and that the administrative credentials log in.
 * Each returns a secret-free detail or throws an Error whose message names the fix.
 */
import type { Config } from "../config";
import type { RoleDatabase } from "../db/postgres";
import { createRoleAdministration, type RoleAdministration } from "../db/roles";
import type { SecretStore } from "../secrets/parameter-store";
import { parseAdminCredentials } from "./admin-credentials";
import { findPublishedRole } from "./published-role";
import type { AlternatingUsers } from "./rotation";

export interface AlternatingDryRunDeps {
  readonly store: SecretStore;
  readonly database: RoleDatabase;
  readonly roles?: RoleAdministration;
}

/** "current-password-login" for two roles. */
export async function publishedRoleLogin(
  config: Config,
  roles: AlternatingUsers,
  current: string,
  deps: AlternatingDryRunDeps,
): Promise<string> {
  const { username } = config.parameters;
  const found = await findPublishedRole(roles, username, current, deps);
  switch (found.kind) {
    case "found":
      return `logged in to ${config.db.host}:${config.db.port} as ${found.role}, the published role; the next rotation changes ${found.role === roles.primaryUser ? roles.twinUser : roles.primaryUser}`;
    case "unreachable":
      throw new Error(`unreachable: ${found.detail}`);
    case "unknown-name":
      throw new Error(
        `${username ?? ""} names neither ${roles.primaryUser} nor ${roles.twinUser}; put the published role's name in it`,
      );
    case "rejected":
      throw new Error(`credential drift: ${found.tried.join(" and ")} reject it (${found.detail})`);
  }
}

/** "admin-login": the administrative credentials parse and log in. */
export async function adminLogin(
  config: Config,
  roles: AlternatingUsers,
  deps: AlternatingDryRunDeps,
  remember: (secret: string) => void,
): Promise<string> {
  const text = await deps.store.getSecureString(roles.adminParameter);
  if (text === undefined) {
    throw new Error(
      `${roles.adminParameter} does not exist; create it as a SecureString holding {"username", "password"} of a role with CREATEROLE`,
    );
  }
  remember(text);
  const admin = parseAdminCredentials(roles.adminParameter, text);
  remember(admin.password);
  const administration = deps.roles ?? createRoleAdministration(config.db);
  const session = await administration.openAdminSession(admin.username, admin.password);
  await session.close();
  return `the administrative role ${admin.username} (${roles.adminParameter}) logs in; it creates ${roles.twinUser} if missing`;
}
