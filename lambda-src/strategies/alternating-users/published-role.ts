/**
 * Which of the two roles the applications use now: the username parameter's value when it
 * exists, otherwise the role the current password logs in as (the primary is tried first).
 * Shared by the rotation's read step and the dry run; each turns the outcome into its own
 * error.
 */
import type { AlternatingUsersConfig } from "../../config";
import type { LoginFailure, RoleDatabase, SecretStore } from "../../core/ports";

export type PublishedRole =
  | { readonly kind: "found"; readonly role: string }
  /** The username parameter names neither role (its value is not returned: it may be anything). */
  | { readonly kind: "unknown-name" }
  | { readonly kind: "rejected"; readonly tried: readonly string[]; readonly detail: string }
  | Extract<LoginFailure, { kind: "unreachable" }>;

export async function findPublishedRole(
  roles: AlternatingUsersConfig,
  usernameParameter: string | undefined,
  current: string,
  deps: { readonly store: SecretStore; readonly database: RoleDatabase },
): Promise<PublishedRole> {
  const { primaryUser, twinUser } = roles;
  const named =
    usernameParameter === undefined ? undefined : await deps.store.getValue(usernameParameter);
  if (named !== undefined && named !== primaryUser && named !== twinUser) {
    return { kind: "unknown-name" };
  }
  const tried = named !== undefined ? [named] : [primaryUser, twinUser];
  let rejection: LoginFailure | undefined;
  for (const role of tried) {
    const login = await deps.database.canLogin(role, current);
    if (login.kind === "accepted") return { kind: "found", role };
    if (login.kind === "unreachable") return login;
    rejection = login;
  }
  return { kind: "rejected", tried, detail: rejection?.detail ?? "" };
}

/** The role of the two that is not `role`: the one the next rotation changes. */
export function otherRole(roles: AlternatingUsersConfig, role: string): string {
  return role === roles.primaryUser ? roles.twinUser : roles.primaryUser;
}
