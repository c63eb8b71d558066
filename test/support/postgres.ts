/**
 * A throwaway PostgreSQL cluster, configured like a hardened RDS instance: SCRAM-SHA-256 only,
 * TLS required on TCP (certificates made at start), every statement logged so tests can prove
 * that no plaintext password reaches the server. Used by the jest global setup, the demo and
 * the benchmark.
 */
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port";
import { pgClusterClient, type PgClusterClient, type PgClusterInfo } from "./pg-cluster-client";
import { createTestPki } from "./pki";

export type { PgClusterInfo } from "./pg-cluster-client";

export interface PgCluster extends PgClusterInfo, PgClusterClient {
  /** Stops the server at once and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export class PostgresStartError extends Error {
  override readonly name = "PostgresStartError";
}

const SUPERUSER = "postgres";

/** PostgreSQL refuses to run as root, so as root every server command runs as the postgres user. */
const runningAsRoot = process.getuid?.() === 0;

function serverOwner(): { uid: number; gid: number } | undefined {
  if (!runningAsRoot) return undefined;
  try {
    const id = (flag: string) =>
      Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new PostgresStartError(
      `running as root needs an OS user "${SUPERUSER}" to run the server: create it (e.g. \`useradd --system ${SUPERUSER}\`)`,
    );
  }
}

function runServerCommand(command: string, args: readonly string[]): string {
  const [file, argv] = runningAsRoot
    ? ["runuser", ["-u", SUPERUSER, "--", command, ...args]]
    : [command, args];
  try {
    return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    const missing = (error as { code?: string }).code === "ENOENT";
    throw new PostgresStartError(
      missing
        ? `${command} is not on PATH: install the PostgreSQL 15 server binaries (initdb, pg_ctl, postgres)`
        : `${command} ${args.join(" ")} failed: ${detail}`,
    );
  }
}

const PG_HBA = `# Written by test/support/postgres.ts
# TYPE    DATABASE USER     ADDRESS       METHOD
local     all      ${SUPERUSER} trust
local     all      all                    reject
hostssl   all      all      127.0.0.1/32  scram-sha-256
hostssl   all      all      ::1/128       scram-sha-256
hostnossl all      all      all           reject
`;

function serverSettings(port: number, socketDir: string): string {
  return `
# Added by test/support/postgres.ts
listen_addresses = 'localhost'
port = ${port}
unix_socket_directories = '${socketDir}'
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
log_statement = 'all'
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d '
# A throwaway cluster needs no durability; this keeps start and every commit fast.
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '32MB'
# PostgreSQL's default: the jest workers' test files (three at a time) share the cluster.
max_connections = 100
`;
}

/** Starts a fresh cluster on a free port; about a second. Call stop() when done. */
export async function startPostgres(): Promise<PgCluster> {
  const owner = serverOwner();
  const baseDir = mkdtempSync(join(tmpdir(), "rotation-pg-"));
  const own = (path: string) => owner && chownSync(path, owner.uid, owner.gid);
  // The server user must reach its files through the root-owned temp folder.
  chmodSync(baseDir, 0o755);
  own(baseDir);

  const dataDir = join(baseDir, "data");
  const socketDir = join(baseDir, "socket");
  const tlsDir = join(baseDir, "tls");
  const serverLogFile = join(baseDir, "server.log");
  let started = false;

  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      try {
        runServerCommand("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
      } finally {
        process.removeListener("exit", stopOnExit);
      }
    }
    rmSync(baseDir, { recursive: true, force: true });
  };
  // Last resort when the caller crashes before stop(): never leave a server behind.
  const stopOnExit = () => {
    if (started) {
      try {
        runServerCommand("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
      } catch {
        // Exiting anyway; nothing else to do.
      }
    }
    rmSync(baseDir, { recursive: true, force: true });
  };

  try {
    mkdirSync(socketDir, { mode: 0o755 });
    mkdirSync(tlsDir, { mode: 0o755 });
    own(socketDir);
    const pki = createTestPki(tlsDir);
    for (const file of [pki.caFile, pki.otherCaFile]) chmodSync(file, 0o644);

    runServerCommand("initdb", [
      "-D", dataDir, "-U", SUPERUSER, "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions",
      "--auth-local=trust", "--auth-host=reject",
    ]); // prettier-ignore

    // PostgreSQL insists the key belongs to the server user and is private to it.
    for (const [from, name, mode] of [
      [pki.serverCertFile, "server.crt", 0o644],
      [pki.serverKeyFile, "server.key", 0o600],
    ] as const) {
      const target = join(dataDir, name);
      copyFileSync(from, target);
      chmodSync(target, mode);
      own(target);
    }
    rmSync(pki.serverKeyFile);

    const port = await freePort();
    appendFileSync(join(dataDir, "postgresql.conf"), serverSettings(port, socketDir));
    writeFileSync(join(dataDir, "pg_hba.conf"), PG_HBA);
    own(join(dataDir, "pg_hba.conf"));

    process.on("exit", stopOnExit);
    started = true;
    try {
      runServerCommand("pg_ctl", [
        "start",
        "-D",
        dataDir,
        "-l",
        serverLogFile,
        "-w",
        "-t",
        "30",
        "-s",
      ]);
    } catch (error) {
      const log = existsSync(serverLogFile)
        ? readFileSync(serverLogFile, "utf8").slice(-4000)
        : "(no server log)";
      throw new PostgresStartError(`${(error as Error).message}\nserver log:\n${log}`);
    }

    const info: PgClusterInfo = {
      host: "localhost",
      mismatchedHost: "127.0.0.1",
      port,
      database: "postgres",
      caFile: pki.caFile,
      otherCaFile: pki.otherCaFile,
      serverLogFile,
      dataDir,
      socketDir,
    };
    return { ...info, ...pgClusterClient(info), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
