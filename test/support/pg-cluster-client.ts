/**
 * What tests do to the throwaway cluster, given only its serialisable description: so the
 * jest global setup can start the cluster once and each worker process re-binds these.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import {
  Client,
  escapeIdentifier,
  escapeLiteral,
  type ClientConfig,
  type QueryResultRow,
} from "pg";
import { scramSha256Verifier } from "../../lambda-src/core/scram";

/** Everything a process needs to reach the cluster; plain JSON, no secrets (admin uses socket trust). */
export interface PgClusterInfo {
  /** The name in the server certificate: verify-full connections succeed. */
  readonly host: string;
  /** Same server, a name not in the certificate: verify-full connections must fail. */
  readonly mismatchedHost: string;
  readonly port: number;
  readonly database: string;
  /** The CA that signed the server certificate. */
  readonly caFile: string;
  /** An unrelated CA: verifying the server against it must fail. */
  readonly otherCaFile: string;
  /** The server's log (log_statement = all, log_connections = on). */
  readonly serverLogFile: string;
  readonly dataDir: string;
  /** Unix socket directory: the only way in for the superuser. */
  readonly socketDir: string;
}

export interface PgClusterClient {
  /** Runs SQL as the superuser over the unix socket; returns the rows. */
  admin<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<R[]>;
  /**
   * Creates the role (or resets its password) with LOGIN. The server receives a SCRAM verifier,
   * never `password`, so the plaintext stays out of its statement log.
   */
  createLoginRole(name: string, password: string): Promise<void>;
  /** How an application logs in as `user`: TCP to `host`, TLS verify-full against the CA. */
  loginConfig(user: string, password: string): ClientConfig;
  /**
   * True if `user`/`password` logs in over verify-full TLS to `host`; false if the server
   * rejects the credentials. Anything else (TLS, network) throws: a broken harness must not
   * read as "password rejected".
   */
  canLogin(user: string, password: string): Promise<boolean>;
  /** The server log from byte `fromByte` (a size markServerLog took) to its current end. */
  readServerLog(fromByte?: number): string;
}

/** SQLSTATEs of a credential rejection: invalid_password, invalid_authorization_specification. */
const AUTH_REJECTED = new Set(["28P01", "28000"]);

/** Whether a connection failed because the server rejected the credentials. */
export function isAuthRejected(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && AUTH_REJECTED.has(code);
}

/** The file's bytes from `fromByte` to its current end, as text. */
function readFileFrom(file: string, fromByte: number): string {
  const fd = openSync(file, "r");
  try {
    const bytes = Buffer.alloc(Math.max(0, fstatSync(fd).size - fromByte));
    const read = readSync(fd, bytes, 0, bytes.length, fromByte);
    return bytes.toString("utf8", 0, read);
  } finally {
    closeSync(fd);
  }
}

export function pgClusterClient(info: PgClusterInfo): PgClusterClient {
  // Read once per process: every login of every test verifies against the same CA.
  let ca: string | undefined;

  async function admin<R extends QueryResultRow>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<R[]> {
    const client = new Client({
      host: info.socketDir,
      port: info.port,
      user: "postgres",
      database: info.database,
    });
    await client.connect();
    try {
      return (await client.query<R>(sql, [...params])).rows;
    } finally {
      await client.end();
    }
  }

  async function createLoginRole(name: string, password: string): Promise<void> {
    const existing = await admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
    // Utility statements take no bind parameters; escaping the verifier as a literal is the
    // documented way, and the verifier is not a secret the way the password is.
    const role = escapeIdentifier(name);
    const verifier = escapeLiteral(scramSha256Verifier(password));
    const verb = existing.length > 0 ? "ALTER" : "CREATE";
    await admin(`${verb} ROLE ${role} WITH LOGIN PASSWORD ${verifier}`);
  }

  function loginConfig(user: string, password: string): ClientConfig {
    ca ??= readFileSync(info.caFile, "utf8");
    return {
      host: info.host,
      port: info.port,
      database: info.database,
      user,
      password,
      ssl: { ca, rejectUnauthorized: true },
    };
  }

  async function canLogin(user: string, password: string): Promise<boolean> {
    const client = new Client({ ...loginConfig(user, password), connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch (error) {
      if (isAuthRejected(error)) return false;
      throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  return {
    admin,
    createLoginRole,
    loginConfig,
    canLogin,
    readServerLog: (fromByte = 0) => readFileFrom(info.serverLogFile, fromByte),
  };
}
