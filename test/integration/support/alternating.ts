/**
 * The world of an alternating-users rotation: the usual scenario (primary role, password and
 * DATABASE_URL parameters, ECS services) plus an administrative role with CREATEROLE (not a
 * superuser, like the RDS master user) whose credentials sit in a SecureString parameter,
 * and a username parameter the rotation publishes the role to.
 */
import { escapeIdentifier } from "pg";
import { uniqueName } from "../../support/harness";
import { putSecureString, readParameter, ssm } from "./aws";
import { readPending } from "./pending";
import { createScenario, testPassword, type Scenario, type ScenarioOptions } from "./scenario";
import { passwordChanges, type LogMark } from "./server-log";
import { PutParameterCommand } from "@aws-sdk/client-ssm";

export interface AlternatingScenario extends Scenario {
  readonly primary: string;
  readonly twin: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly adminParameter: string;
  readonly usernameParameter: string | undefined;
}

export interface AlternatingOptions extends Omit<ScenarioOptions, "roleName"> {
  /** Seed and publish a username parameter (default true). */
  readonly usernameParameter?: boolean;
  /** Create the admin role with CREATEROLE (default true); false makes a plain login role. */
  readonly adminCanCreateRoles?: boolean;
}

export async function createAlternatingScenario(
  options: AlternatingOptions = {},
): Promise<AlternatingScenario> {
  const id = uniqueName("alt");
  const base = `/rotation-test/${id}`;
  const adminParameter = `${base}/admin`;
  const usernameParameter = options.usernameParameter === false ? undefined : `${base}/username`;
  const s = await createScenario({
    // The ECS refresh is the shared step 6, tested on its own; none here keeps these fast.
    services: 0,
    ...options,
    roleName: () => id,
    env: {
      ROTATION_STRATEGY: "alternating-users",
      ADMIN_PARAMETER: adminParameter,
      USERNAME_PARAMETER: usernameParameter,
      ...options.env,
    },
  });
  const admin = { username: `${id}_admin`, password: testPassword() };
  await s.h.createLoginRole(admin.username, admin.password);
  if (options.adminCanCreateRoles !== false) {
    await s.h.admin(`ALTER ROLE ${escapeIdentifier(admin.username)} CREATEROLE`);
  }
  // PostgreSQL 15 no longer lets every role create in public; the application role may.
  await s.h.admin(`GRANT CREATE ON SCHEMA public TO ${escapeIdentifier(s.role)}`);
  await putSecureString(adminParameter, JSON.stringify(admin));
  if (usernameParameter) {
    await ssm().send(
      new PutParameterCommand({
        Name: usernameParameter,
        Value: s.role,
        Type: "String",
        Overwrite: true,
      }),
    );
  }
  return {
    ...s,
    primary: s.role,
    twin: `${s.role}_clone`,
    admin,
    adminParameter,
    usernameParameter,
  };
}

/** The credentials an application starting now would read from SSM. */
export interface PublishedCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * What a task reads at start: the username parameter (or DATABASE_URL's user when there is
 * none) and the password parameter.
 */
export async function readPublished(s: AlternatingScenario): Promise<PublishedCredentials> {
  const password = (await readParameter(s.parameters.password))?.value ?? "";
  if (s.usernameParameter) {
    const username = (await readParameter(s.usernameParameter))?.value ?? "";
    return { username, password };
  }
  const url = new URL((await readParameter(s.parameters.databaseUrl ?? ""))?.value ?? "");
  return { username: decodeURIComponent(url.username), password };
}

/**
 * docs/design.md §Invariants 1 per role, at this instant: the published password logs in as the
 * published role, or the staged password logs in as the staged role.
 */
export async function expectNoLockoutPerRole(s: AlternatingScenario) {
  const published = await readPublished(s);
  const staged = await readPending(s);
  const publishedLogsIn = await s.h.canLogin(published.username, published.password);
  const stagedLogsIn =
    staged !== undefined && (await s.h.canLogin(staged.username, staged.password));
  expect({ publishedLogsIn, stagedLogsIn }).not.toEqual({
    publishedLogsIn: false,
    stagedLogsIn: false,
  });
  return { published, staged, publishedLogsIn, stagedLogsIn };
}

/** The twin's row in pg_roles and whether it is a member of the primary. */
export async function twinState(s: AlternatingScenario) {
  const rows = await s.h.admin<{ rolcanlogin: boolean; rolconfig: string[] | null }>(
    "SELECT rolcanlogin, rolconfig FROM pg_roles WHERE rolname = $1",
    [s.twin],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const member = await s.h.admin<{ member: boolean }>(
    "SELECT pg_has_role($1, $2, 'MEMBER') AS member",
    [s.twin, s.primary],
  );
  return {
    canLogin: row.rolcanlogin,
    config: row.rolconfig ?? [],
    memberOfPrimary: member[0]?.member,
  };
}

/** ALTER ROLE … PASSWORD statements per role since `mark`. */
export function changesPerRole(s: AlternatingScenario, mark: LogMark) {
  const log = s.h.readServerLog(mark);
  return {
    primary: passwordChanges(log, s.primary).length,
    twin: passwordChanges(log, s.twin).length,
  };
}

/** Replaces the administrative credentials parameter, e.g. with a password that is wrong. */
export async function putAdminCredentials(
  s: AlternatingScenario,
  credentials: { readonly username?: string; readonly password: string },
): Promise<void> {
  const username = credentials.username ?? s.admin.username;
  await putSecureString(
    s.adminParameter,
    JSON.stringify({ username, password: credentials.password }),
  );
}
