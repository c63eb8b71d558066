/**
 * What the alternating-users strategy needs from PostgreSQL beyond logging in as the role:
 * an administrative session that creates the twin role and changes the password of the
 * role not in use, and a login check that tells which role a session really runs as.
 *
 * Like db/postgres.ts: TLS always, passwords set only through SCRAM verifiers (setPassword
 * refuses anything else), identifiers and literals escaped with the driver's functions.
 */
import { escapeIdentifier, escapeLiteral, type Client } from "pg";
import { AdminPrivilegeError, TwinNotAdoptableError, type RoleAdministration } from "../core/ports";
import { connectAndProbe, probeLogin, setPassword, type DbConfig } from "./postgres";

/** SQLSTATE insufficient_privilege: no CREATEROLE, or no ADMIN OPTION on PostgreSQL 16+. */
const INSUFFICIENT_PRIVILEGE = "42501";

interface Identity {
  readonly sessionUser: string;
  readonly currentUser: string;
}

async function whoAmI(client: Client): Promise<Identity> {
  const result = await client.query<{ session_user: string; current_user: string }>(
    "SELECT session_user, current_user",
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error("SELECT session_user, current_user returned no row");
  return { sessionUser: row.session_user, currentUser: row.current_user };
}

/** Run `statement`, turning a refusal for lack of privilege into AdminPrivilegeError. */
async function privileged<T>(
  admin: string,
  attempted: string,
  statement: () => Promise<T>,
): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== INSUFFICIENT_PRIVILEGE) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AdminPrivilegeError(admin, attempted, `${INSUFFICIENT_PRIVILEGE} ${message}`);
  }
}

/** Role attributes no application role needs, each with the keyword that removes it. */
const POWERS = [
  ["rolsuper", "SUPERUSER", "NOSUPERUSER"],
  ["rolcreaterole", "CREATEROLE", "NOCREATEROLE"],
  ["rolbypassrls", "BYPASSRLS", "NOBYPASSRLS"],
  ["rolreplication", "REPLICATION", "NOREPLICATION"],
] as const;

type PowerColumn = (typeof POWERS)[number][0];
type TwinRow = Record<PowerColumn, boolean> & { members: string[]; admins: string[] };

/**
 * Refuse to adopt an existing `twin` that others could use or that is more powerful than an
 * application role: its password would then be set, and published, by this rotation. The
 * administrative role's own membership (PostgreSQL 16 gives the creator ADMIN OPTION) is
 * expected. Throws TwinNotAdoptableError with the statements that fix it.
 */
async function checkAdoptable(client: Client, admin: string, twin: string): Promise<void> {
  const result = await client.query<TwinRow>(
    `SELECT r.rolsuper, r.rolcreaterole, r.rolbypassrls, r.rolreplication,
       ARRAY(SELECT m.rolname::text FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member
             WHERE a.roleid = r.oid AND m.rolname <> $2 AND NOT a.admin_option ORDER BY 1) AS members,
       ARRAY(SELECT m.rolname::text FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member
             WHERE a.roleid = r.oid AND m.rolname <> $2 AND a.admin_option ORDER BY 1) AS admins
     FROM pg_roles r WHERE r.rolname = $1`,
    [twin, admin],
  );
  const row = result.rows[0];
  if (row === undefined) return;
  const t = escapeIdentifier(twin);
  const powers = POWERS.filter(([column]) => row[column]);
  const reasons = [
    ...powers.map(([, power]) => `it has ${power}`),
    ...(row.members.length > 0 ? [`${row.members.join(", ")} are members of it`] : []),
    ...(row.admins.length > 0 ? [`${row.admins.join(", ")} hold ADMIN OPTION on it`] : []),
  ];
  if (reasons.length === 0) return;
  const statements = [
    ...(powers.length > 0 ? [`ALTER ROLE ${t} ${powers.map(([, , off]) => off).join(" ")};`] : []),
    ...[...row.members, ...row.admins].map((m) => `REVOKE ${t} FROM ${escapeIdentifier(m)};`),
  ];
  throw new TwinNotAdoptableError(twin, reasons, statements);
}

async function ensureTwin(
  client: Client,
  admin: string,
  primary: string,
  twin: string,
): Promise<"created" | "exists"> {
  const p = escapeIdentifier(primary);
  const t = escapeIdentifier(twin);
  await client.query("BEGIN");
  try {
    const found = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [twin]);
    const outcome = found.rowCount === 0 ? "created" : "exists";
    if (outcome === "exists") await checkAdoptable(client, admin, twin);
    // No PASSWORD here: the caller sets it through a SCRAM verifier, like every password.
    if (outcome === "created") {
      await privileged(admin, `create role ${twin}`, () =>
        client.query(`CREATE ROLE ${t} WITH LOGIN`),
      );
    }
    await privileged(admin, `grant ${primary} to ${twin}`, () =>
      client.query(`GRANT ${p} TO ${t}`),
    );
    // Objects the twin creates are then owned by the primary: no twin-owned tables left behind.
    await privileged(admin, `alter role ${twin}`, () =>
      client.query(`ALTER ROLE ${t} SET role = ${escapeLiteral(primary)}`),
    );
    await client.query("COMMIT");
    return outcome;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export function createRoleAdministration(db: DbConfig): RoleAdministration {
  return {
    async openAdminSession(user, password) {
      const { client, found } = await connectAndProbe(db, { user, password }, whoAmI);
      const admin = found.sessionUser;
      return {
        currentUser: found.currentUser,
        ensureTwin: (primary, twin) => ensureTwin(client, admin, primary, twin),
        setPassword: (role, verifier) =>
          privileged(admin, `change the password of ${role}`, () =>
            setPassword(client, role, verifier),
          ),
        close: () => client.end().catch(() => undefined),
      };
    },

    async identify(user, password) {
      const login = await probeLogin(db, { user, password }, whoAmI);
      return login.kind === "accepted" ? { kind: "accepted", ...login.found } : login;
    },
  };
}
