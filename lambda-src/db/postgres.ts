/**
 * The thin layer over `pg` the rotation needs: log in as the role, set its password with a
 * SCRAM verifier, and tell "the server said no" apart from "we never reached the server".
 *
 * TLS is always on: `verify-full` checks the certificate chain and the host name (Node's
 * default checkServerIdentity; pg sets SNI for host names), `require` encrypts without
 * verifying and is used only when configured. There is no plaintext mode to fall back to:
 * a server without TLS fails the connection. Whatever the mode, only SCRAM-SHA-256 may see
 * the password, with channel binding where the server offers it (and always in `require`
 * mode): auth-guard.ts refuses anything else before the client answers.
 */
import { Client, escapeIdentifier, escapeLiteral, type ClientConfig } from "pg";
import type { ConnectionOptions } from "node:tls";
import type { Config } from "../config";
import { LoginFailedError, type LoginFailure, type RoleDatabase } from "../core/ports";
import { authenticationGuard } from "./auth-guard";

export type DbConfig = Config["db"];

/**
 * SQLSTATE invalid_password: the only answer that says a password is wrong. (PostgreSQL sends
 * it for an unknown role too, so that role names cannot be probed.)
 */
const INVALID_PASSWORD = "28P01";
/** invalid_authorization_specification: NOLOGIN, pg_hba.conf, not the password. */
const LOGIN_NOT_PERMITTED = "28000";
/** invalid_catalog_name: the database (DB_NAME) does not exist. */
const DATABASE_MISSING = "3D000";

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export function tlsOptions(db: DbConfig): ConnectionOptions {
  if (db.tlsMode === "require") return { rejectUnauthorized: false };
  return db.caBundle === undefined
    ? { rejectUnauthorized: true }
    : { rejectUnauthorized: true, ca: db.caBundle };
}

export function clientConfig(db: DbConfig, credentials: Credentials): ClientConfig {
  return {
    host: db.host,
    port: db.port,
    database: db.database,
    user: credentials.user,
    password: credentials.password,
    ssl: tlsOptions(db),
    connectionTimeoutMillis: db.connectTimeoutMs,
    statement_timeout: db.statementTimeoutMs,
    // Client-side guard for when the server stops answering altogether.
    query_timeout: db.statementTimeoutMs + 1000,
    application_name: "rds-secret-rotation",
    // SCRAM-SHA-256-PLUS whenever the server offers it: binds the login to this TLS session.
    enableChannelBinding: true,
  };
}

export function classifyConnectError(error: unknown): LoginFailure {
  const sqlState = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (sqlState === INVALID_PASSWORD) {
    return { kind: "rejected", sqlState, detail: `${sqlState} ${message}` };
  }
  const code = typeof sqlState === "string" ? `${sqlState} ` : "";
  const detail = `${code}${message}`;
  if (sqlState === LOGIN_NOT_PERMITTED) {
    return { kind: "unreachable", problem: "login-not-permitted", detail };
  }
  if (sqlState === DATABASE_MISSING) {
    return { kind: "unreachable", problem: "database-missing", detail };
  }
  // pg's SCRAM checks: a wrong server signature or nonce means the server does not know the
  // role's verifier, i.e. it is not the database.
  if (message.startsWith("SASL: ")) {
    return { kind: "unreachable", problem: "insecure-authentication", detail };
  }
  return { kind: "unreachable", detail };
}

/** Connect as `credentials.user`; throws LoginFailedError classifying the failure. */
export async function connect(db: DbConfig, credentials: Credentials): Promise<Client> {
  const guard = authenticationGuard(credentials.password, db.tlsMode);
  const client = new Client({ ...clientConfig(db, credentials), password: guard.password });
  guard.attach(client);
  // A dropped idle connection emits "error"; unhandled, it would crash the process.
  client.on("error", () => undefined);
  let failure: unknown;
  // A refusal may land with the messages after it in one read (pg then still sees
  // ReadyForQuery and resolves), so the guard is asked whether connect() succeeded or not.
  await client.connect().catch((error: unknown) => (failure = error ?? "failed"));
  const refusal = guard.refusal();
  if (refusal === undefined && failure === undefined) return client;
  await client.end().catch(() => undefined);
  throw new LoginFailedError(
    refusal === undefined
      ? classifyConnectError(failure)
      : { kind: "unreachable", problem: "insecure-authentication", detail: refusal.message },
  );
}

/**
 * Connect as `credentials.user` and run `probe` (who am I?) on the new connection. A probe
 * that fails after the login counts as unreachable (the server stopped answering), never as
 * a rejected password. Throws LoginFailedError; the caller owns the returned client.
 */
export async function connectAndProbe<T>(
  db: DbConfig,
  credentials: Credentials,
  probe: (client: Client) => Promise<T>,
): Promise<{ readonly client: Client; readonly found: T }> {
  const client = await connect(db, credentials);
  try {
    return { client, found: await probe(client) };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new LoginFailedError({
      kind: "unreachable",
      detail: classifyConnectError(error).detail,
    });
  }
}

/** Log in, run `probe`, log out. A failed login is returned, never thrown. */
export async function probeLogin<T>(
  db: DbConfig,
  credentials: Credentials,
  probe: (client: Client) => Promise<T>,
): Promise<{ readonly kind: "accepted"; readonly found: T } | LoginFailure> {
  let opened: { readonly client: Client; readonly found: T };
  try {
    opened = await connectAndProbe(db, credentials, probe);
  } catch (error) {
    if (error instanceof LoginFailedError) return error.outcome;
    throw error;
  }
  await opened.client.end().catch(() => undefined);
  return { kind: "accepted", found: opened.found };
}

async function currentUser(client: Client): Promise<string> {
  const result = await client.query<{ current_user: string }>("SELECT current_user");
  const user = result.rows[0]?.current_user;
  if (user === undefined) throw new Error("SELECT current_user returned no row");
  return user;
}

const SCRAM_VERIFIER = /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$/;

/**
 * Set `role`'s password to the SCRAM `verifier`. PostgreSQL stores a well-formed verifier
 * as is; anything else it would hash, so a plaintext password passed here by mistake would
 * reach the statement log. The guard makes that impossible.
 */
export async function setPassword(client: Client, role: string, verifier: string): Promise<void> {
  if (!SCRAM_VERIFIER.test(verifier)) {
    throw new Error("setPassword expects a SCRAM-SHA-256 verifier, never a plaintext password");
  }
  await client.query(`ALTER ROLE ${escapeIdentifier(role)} PASSWORD ${escapeLiteral(verifier)}`);
}

export function createPostgres(db: DbConfig): RoleDatabase {
  return {
    async canLogin(user, password) {
      const login = await probeLogin(db, { user, password }, currentUser);
      return login.kind === "accepted" ? { kind: "accepted", currentUser: login.found } : login;
    },

    async openSession(user, password) {
      const { client, found } = await connectAndProbe(db, { user, password }, currentUser);
      return {
        currentUser: found,
        setPassword: (role, verifier) => setPassword(client, role, verifier),
        close: () => client.end().catch(() => undefined),
      };
    },
  };
}
