/**
 * The texts of the error kinds about what the database, a parameter or the twin role is like
 * (as opposed to what a run did): kept apart from errors.ts, whose catalogue calls them, so
 * that each stays short. Every text names what the server or SSM did and the fix.
 */

const ADMIN_SHAPE = '{"username": "<role with CREATEROLE>", "password": "<its password>"}';
const UNCHANGED = "nothing changed";

type Text = { readonly problem: string; readonly action: string; readonly stateLeft?: string };

/** Where the login went, and the server's (or the guard's) reason. */
export interface DatabaseFields {
  host: string;
  port: number;
  tlsMode: string;
  database: string;
  detail: string;
}

export function insecureAuthentication(f: DatabaseFields): Text {
  return {
    problem:
      `refused to authenticate to ${f.host}:${f.port} (TLS ${f.tlsMode}): ${f.detail}. ` +
      "RDS and Aurora PostgreSQL with scram-sha-256 never do this; an impostor on the network " +
      "path, a proxy that downgrades authentication, or a role whose password is stored as MD5 does",
    action:
      `check that ${f.host} is the database endpoint (not a CNAME or proxy); use verify-full ` +
      "with db_ca_bundle_file; store the role's password as SCRAM (password_encryption = " +
      "scram-sha-256, then rotate it once by hand with \\password) and use scram-sha-256 in " +
      "pg_hba.conf (on RDS: rds.accepted_password_auth_method = scram); then re-run",
  };
}

export function loginNotPermitted(f: DatabaseFields): Text {
  return {
    problem:
      `${f.host}:${f.port} refuses the login itself, not the password (${f.detail}): the role ` +
      "lacks LOGIN, or pg_hba.conf has no entry for it, this address or this database",
    action:
      "as an administrator, ALTER ROLE <role> LOGIN (a role needs it to log in), and check " +
      "that pg_hba.conf admits the role from the function's subnets to this database with " +
      "scram-sha-256 over TLS; the stored passwords are not in question; then re-run",
  };
}

export function databaseMissing(f: DatabaseFields): Text {
  return {
    problem: `the database ${f.database} does not exist on ${f.host}:${f.port} (${f.detail})`,
    action:
      "set db_name to a database the role may connect to (list them with \\l in psql); the " +
      "network and the passwords are fine; then re-run",
  };
}

export interface NotSecureFields {
  parameter: string;
  type: string;
}

export function parameterNotSecure(f: NotSecureFields): Text {
  return {
    problem:
      `${f.parameter} is a ${f.type} parameter, not a SecureString: its value is stored and ` +
      "shown unencrypted, and a rotation would have silently converted it",
    action:
      `re-create ${f.parameter} as a SecureString with the same value (aws ssm put-parameter ` +
      `--name ${f.parameter} --type SecureString --overwrite ...; a type change needs ` +
      "delete-parameter first), then re-run",
  };
}

export interface TwinFields {
  twin: string;
  primary: string;
  /** Why the existing role cannot be adopted, one clause each. */
  reasons: readonly string[];
  /** The statements that make it adoptable, in order. */
  statements: readonly string[];
}

export function twinNotAdoptable(f: TwinFields): Text {
  return {
    problem:
      `the role ${f.twin} already exists and is not a twin this rotation may adopt: ` +
      f.reasons.join("; "),
    action:
      `as a superuser, run ${f.statements.join(" ")} (or choose another name with ` +
      `db_twin_username), then re-run; ${f.primary} was not touched`,
  };
}

export type MalformedFields =
  | { about: "password-value"; parameter: string }
  | { about: "pending"; parameter: string; detail: string }
  | { about: "pending-role"; parameter: string; stagedRole: string; rotated: readonly string[] }
  | { about: "admin"; parameter: string; detail: string }
  | { about: "admin-is-rotated"; parameter: string; role: string }
  | { about: "username"; parameter: string; password: string; roles: readonly string[] };

export function malformed(f: MalformedFields): Text {
  const then = "then re-run";
  switch (f.about) {
    case "password-value":
      return {
        problem:
          `the password parameter ${f.parameter} is empty or contains control characters ` +
          "(a trailing newline?)",
        action: `put the role's exact current password in ${f.parameter}, ${then}`,
      };
    case "pending":
      return {
        problem: `the pending parameter ${f.parameter} is malformed: ${f.detail}`,
        action:
          "find which password the role accepts, put it in the password parameter, delete " +
          `${f.parameter}, ${then}`,
        stateLeft: `${UNCHANGED}; ${f.parameter} was not written by this rotation, or was edited`,
      };
    case "pending-role":
      return {
        problem:
          `the pending parameter ${f.parameter} was staged for role ${f.stagedRole}, but this ` +
          `function rotates ${f.rotated.join(" and ")}`,
        action:
          `find which password role ${f.stagedRole} accepts, store it where its applications ` +
          `read it, delete ${f.parameter}, ${then}`,
      };
    case "admin":
      return {
        problem: `the administrative credentials in ${f.parameter} are malformed: ${f.detail}`,
        action: `put ${ADMIN_SHAPE} in ${f.parameter} (SecureString), ${then}`,
      };
    case "admin-is-rotated":
      return {
        problem:
          `the administrative credentials in ${f.parameter} are those of ${f.role}, one of ` +
          "the two rotated roles",
        action:
          "put the credentials of a separate role with CREATEROLE (e.g. the RDS master user) " +
          `in ${f.parameter}, ${then}`,
      };
    case "username":
      return {
        problem: `the username parameter ${f.parameter} names neither ${f.roles.join(" nor ")}`,
        action:
          `put the role the password in ${f.password} belongs to ` +
          `(${f.roles.join(" or ")}) in ${f.parameter}, ${then}`,
      };
  }
}
