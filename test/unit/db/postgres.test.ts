import type { Client } from "pg";
import {
  classifyConnectError,
  clientConfig,
  createPostgres,
  setPassword,
  tlsOptions,
} from "../../../lambda-src/db/postgres";
import { scramSha256Verifier } from "../../../lambda-src/core/scram";
import { testConfig } from "../fakes";

const db = testConfig().db;

describe("TLS options", () => {
  it("verify-full verifies the chain and the host name, with the configured CA", () => {
    const options = tlsOptions({ ...db, caBundle: "-----BEGIN CERTIFICATE-----" });
    expect(options).toEqual({ rejectUnauthorized: true, ca: "-----BEGIN CERTIFICATE-----" });
    // No checkServerIdentity override: Node's default checks the host name.
    expect(options).not.toHaveProperty("checkServerIdentity");
  });

  it("verify-full without a CA bundle still verifies, against Node's trust store", () => {
    expect(tlsOptions(db)).toEqual({ rejectUnauthorized: true });
  });

  it("require encrypts without verifying, and only when configured", () => {
    expect(tlsOptions({ ...db, tlsMode: "require" })).toEqual({ rejectUnauthorized: false });
  });

  it("the client config always sets ssl and both timeouts", () => {
    const config = clientConfig(db, { user: "app", password: "pw" });
    expect(config.ssl).toBeTruthy();
    expect(config.connectionTimeoutMillis).toBe(5000);
    expect(config.statement_timeout).toBe(10000);
  });

  it("asks for channel binding (SCRAM-SHA-256-PLUS) whenever the server offers it", () => {
    expect(clientConfig(db, { user: "app", password: "pw" }).enableChannelBinding).toBe(true);
  });
});

describe("classifyConnectError", () => {
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it("SQLSTATE 28P01 (invalid_password) is the one rejection of a password", () => {
    expect(classifyConnectError(pgError("28P01", "password authentication failed"))).toEqual({
      kind: "rejected",
      sqlState: "28P01",
      detail: "28P01 password authentication failed",
    });
  });

  it.each([
    ["28000", 'role "app" is not permitted to log in', "login-not-permitted"],
    ["28000", 'pg_hba.conf rejects connection for host "10.0.0.9"', "login-not-permitted"],
    ["3D000", 'database "appdb" does not exist', "database-missing"],
    [
      "",
      "SASL: SCRAM-SERVER-FINAL-MESSAGE: server signature does not match",
      "insecure-authentication",
    ],
  ])("SQLSTATE %s (%s) says nothing about the password: %s", (code, message, problem) => {
    const error = code ? pgError(code, message) : new Error(message);
    expect(classifyConnectError(error)).toMatchObject({ kind: "unreachable", problem });
  });

  it.each([
    pgError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"),
    pgError("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames"),
    pgError("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
    pgError("57P03", "the database system is starting up"),
    pgError("53300", "too many connections"),
    new Error("Connection terminated due to connection timeout"),
    new Error("The server does not support SSL connections"),
  ])("%s is 'unreachable', never a wrong password", (error) => {
    expect(classifyConnectError(error).kind).toBe("unreachable");
  });
});

describe("setPassword", () => {
  function recordingClient() {
    const queries: string[] = [];
    const client = { query: async (text: string) => void queries.push(text) } as unknown as Client;
    return { client, queries };
  }

  it("sends ALTER ROLE with an escaped identifier and the verifier as a literal", async () => {
    const { client, queries } = recordingClient();
    const verifier = scramSha256Verifier("Secret-Password-1!");
    await setPassword(client, 'we"ird role', verifier);
    expect(queries).toEqual([`ALTER ROLE "we""ird role" PASSWORD '${verifier}'`]);
    expect(queries[0]).not.toContain("Secret-Password-1!");
  });

  it("refuses anything but a SCRAM verifier, so a plaintext password cannot reach the SQL log", async () => {
    const { client, queries } = recordingClient();
    await expect(setPassword(client, "app", "Plaintext-Password-1!")).rejects.toThrow(
      /never a plaintext password/,
    );
    await expect(setPassword(client, "app", "md5abcdef")).rejects.toThrow();
    expect(queries).toEqual([]);
  });
});

describe("createPostgres against nothing listening", () => {
  it("reports an unreachable server as 'unreachable', within the connect timeout", async () => {
    // Port 1 on localhost refuses at once: no network and no PostgreSQL needed.
    const database = createPostgres({ ...db, host: "127.0.0.1", port: 1, connectTimeoutMs: 1000 });
    const outcome = await database.canLogin("app", "whatever-password");
    expect(outcome.kind).toBe("unreachable");
    await expect(database.openSession("app", "whatever-password")).rejects.toMatchObject({
      name: "LoginFailedError",
      outcome: { kind: "unreachable" },
    });
  });
});
