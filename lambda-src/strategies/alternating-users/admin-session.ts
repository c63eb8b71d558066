/**
 * The administrative role's side of alternating-users: reading its credentials, opening its
 * session, and the error when it may not manage the two roles.
 */
import { escapeIdentifier } from "pg";
import type { AlternatingUsersConfig } from "../../config";
import type { AdminPrivilegeError, AdminSession } from "../../core/ports";
import type { Run } from "../../core/run";
import type { StepName } from "../../core/steps";
import * as kit from "../../core/strategy-kit";
import { parseAdminCredentials, type AdminCredentials } from "./admin-credentials";

type Roles = AlternatingUsersConfig;

export async function readAdminCredentials(run: Run, roles: Roles): Promise<AdminCredentials> {
  const name = roles.adminParameter;
  const text = await kit.requireSecureString(
    run,
    name,
    "the administrative credentials parameter",
    'holding {"username": "<role with CREATEROLE>", "password": "<its password>"}',
  );
  const admin = parseAdminCredentials(name, text);
  run.secrets.remember(admin.password);
  if (admin.username === roles.primaryUser || admin.username === roles.twinUser) {
    throw run.fail("parameter-malformed", "read", {
      about: "admin-is-rotated",
      parameter: name,
      role: admin.username,
    });
  }
  return admin;
}

export function openAdminSession(
  run: Run,
  roles: Roles,
  admin: AdminCredentials,
  step: StepName,
): Promise<AdminSession> {
  return kit.openTracked(
    run,
    step,
    () => run.deps.roles.openAdminSession(admin.username, admin.password),
    (detail) =>
      run.fail("admin-credentials-rejected", step, {
        found: "admin-rejected",
        parameter: roles.adminParameter,
        detail: run.secrets.sanitize(detail),
      }),
  );
}

/**
 * The administrative role logged in but may not manage the two roles. From PostgreSQL 16,
 * CREATEROLE manages only roles it holds ADMIN OPTION on (the twin it created, not the primary). */
export function privilegesMissing(
  run: Run,
  roles: Roles,
  error: AdminPrivilegeError,
  step?: StepName,
) {
  return run.fail("admin-privileges-missing", step ?? "apply", {
    admin: error.adminRole,
    attempted: error.attempted,
    detail: run.secrets.sanitize(error.detail),
    sql: {
      admin: escapeIdentifier(error.adminRole),
      primary: escapeIdentifier(roles.primaryUser),
      twin: escapeIdentifier(roles.twinUser),
    },
  });
}
