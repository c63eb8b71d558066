/**
 * What the alternating-users strategy needs from PostgreSQL beyond logging in as the role:
 * an administrative session that creates the twin role and changes the password of the
 * role not in use, and a login check that tells which role a session really runs as.
 *
 * Like db/postgres.ts: TLS always, passwords set only through SCRAM verifiers (setPassword
 * refuses anything else), identifiers and literals escaped with the driver's functions.
 */
import { escapeIdentifier, escapeLiteral, type Client } from "pg";
import { AdminPrivilegeError, type RoleAdministration } from "../core/ports";
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
