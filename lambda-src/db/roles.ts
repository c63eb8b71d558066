/**
 * What the alternating-users strategy needs from PostgreSQL beyond logging in as the role:
 * an administrative session that creates the twin role and changes the password of the
 * role not in use, and a login check that tells which role a session really runs as.
 *
 * Like db/postgres.ts: TLS always, passwords set only through SCRAM verifiers (setPassword
 * refuses anything else), identifiers and literals escaped with the driver's functions.
 */
import { escapeIdentifier, escapeLiteral, type Client } from "pg";
import {
  LoginFailedError,
  classifyConnectError,
  connect,
  setPassword,
  type DbConfig,
  type LoginFailure,
  type RoleSession,
} from "./postgres";

/** A login as seen from inside the session: who logged in, and whom it acts as. */
export type IdentifiedLogin =
  | { readonly kind: "accepted"; readonly sessionUser: string; readonly currentUser: string }
  | LoginFailure;

/** An open connection as the administrative role. */
export interface AdminSession extends RoleSession {
  /**
   * Make `twin` a login role that acts as `primary`, in one transaction: create it (LOGIN,
   * no password yet) when missing, GRANT primary TO twin, ALTER ROLE twin SET role = primary.
   * Idempotent, and it repairs a twin whose membership or setting was removed.
   */
  ensureTwin(primary: string, twin: string): Promise<"created" | "exists">;
}

/** What the alternating-users strategy needs from the database; faked in unit tests. */
export interface RoleAdministration {
  /** Throws LoginFailedError when the login fails. */
  openAdminSession(user: string, password: string): Promise<AdminSession>;
  /** Opens and closes a fresh connection; never throws for a failed login. */
  identify(user: string, password: string): Promise<IdentifiedLogin>;
}

async function whoAmI(client: Client): Promise<{ sessionUser: string; currentUser: string }> {
  const result = await client.query<{ session_user: string; current_user: string }>(
    "SELECT session_user, current_user",
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error("SELECT session_user, current_user returned no row");
  return { sessionUser: row.session_user, currentUser: row.current_user };
}

async function ensureTwin(
  client: Client,
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
    if (outcome === "created") await client.query(`CREATE ROLE ${t} WITH LOGIN`);
    await client.query(`GRANT ${p} TO ${t}`);
    // Objects the twin creates are then owned by the primary: no twin-owned tables left behind.
    await client.query(`ALTER ROLE ${t} SET role = ${escapeLiteral(primary)}`);
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
      const client = await connect(db, { user, password });
      let identity: { sessionUser: string; currentUser: string };
      try {
        identity = await whoAmI(client);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw new LoginFailedError({
          kind: "unreachable",
          detail: classifyConnectError(error).detail,
        });
      }
      return {
        currentUser: identity.currentUser,
        ensureTwin: (primary, twin) => ensureTwin(client, primary, twin),
        setPassword: (role, verifier) => setPassword(client, role, verifier),
        close: () => client.end().catch(() => undefined),
      };
    },

    async identify(user, password) {
      let client: Client;
      try {
        client = await connect(db, { user, password });
      } catch (error) {
        if (error instanceof LoginFailedError) return error.outcome;
        throw error;
      }
      try {
        return { kind: "accepted", ...(await whoAmI(client)) };
      } catch (error) {
        return { kind: "unreachable", detail: classifyConnectError(error).detail };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}
