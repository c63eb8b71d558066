/**
 * The texts of the error kinds about what the database, a parameter or the twin role is like
 * (as opposed to what a run did): kept apart from errors.ts, whose catalogue calls them, so
 * that each stays short. Every text names what the server or SSM did and the fix.
 */

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
