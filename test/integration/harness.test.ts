/**
 * The harness is only worth something if it can tell a right configuration from a wrong one:
 * each test here would pass against a lax server (no TLS, trust auth, plaintext in the log)
 * only if the harness were broken.
 */
import { readFileSync } from "node:fs";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { Client, type ClientConfig } from "pg";
import { harness, uniqueName } from "../support/harness";
import { startIamEnforcedMoto } from "../support/moto";

const PASSWORD = "Harness-Test-Passw0rd-Zq7";
/** Starting a moto process takes about half a second idle, several seconds on a busy 2-core CI box. */
const PROCESS_START_TIMEOUT_MS = 60_000;

async function connect(config: ClientConfig): Promise<void> {
  const client = new Client({ connectionTimeoutMillis: 10_000, ...config });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe("the throwaway PostgreSQL cluster", () => {
  const h = harness();
  const role = uniqueName("harness_role");

  beforeAll(async () => {
    await h.createLoginRole(role, PASSWORD);
  });

  it("accepts the role's password over verify-full TLS", async () => {
    await expect(h.canLogin(role, PASSWORD)).resolves.toBe(true);
  });

  it("rejects a wrong password", async () => {
    await expect(h.canLogin(role, `${PASSWORD}x`)).resolves.toBe(false);
  });

  it("resets the password when the role exists already", async () => {
    const other = "Second-Harness-Passw0rd-K2";
    await h.createLoginRole(role, other);
    await expect(h.canLogin(role, other)).resolves.toBe(true);
    await expect(h.canLogin(role, PASSWORD)).resolves.toBe(false);
    await h.createLoginRole(role, PASSWORD);
  });

  it("fails host-name verification for a name not in the certificate", async () => {
    const config = { ...h.loginConfig(role, PASSWORD), host: h.mismatchedHost };
    await expect(connect(config)).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
  });

  it("rejects a server certificate from an untrusted CA", async () => {
    const otherCa = readFileSync(h.otherCaFile, "utf8");
    const config = {
      ...h.loginConfig(role, PASSWORD),
      ssl: { ca: otherCa, rejectUnauthorized: true },
    };
    await expect(connect(config)).rejects.toMatchObject({
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
  });

  it("refuses plaintext TCP connections", async () => {
    const config = { ...h.loginConfig(role, PASSWORD), ssl: false };
    await expect(connect(config)).rejects.toMatchObject({
      code: "28000",
      message: expect.stringMatching(/no encryption/),
    });
  });

  it("stores SCRAM-SHA-256 verifiers", async () => {
    const rows = await h.admin<{ rolpassword: string }>(
      "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
      [role],
    );
    expect(rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it("logs the role statement with a SCRAM verifier, never the plaintext", () => {
    const log = h.readServerLog();
    const statement = new RegExp(
      `statement: (CREATE|ALTER) ROLE "${role}" WITH LOGIN PASSWORD 'SCRAM-SHA-256\\$4096:`,
    );
    expect(log).toMatch(statement);
    expect(log).toMatch(/connection authorized/);
    expect(log).not.toContain(PASSWORD);
  });
});

describe("the AWS API emulator", () => {
  const { aws } = harness();

  it("stores and decrypts a SecureString parameter", async () => {
    const ssm = new SSMClient({});
    const name = `/${uniqueName("harness")}/password`;
    await ssm.send(
      new PutParameterCommand({ Name: name, Value: "emulated-secret", Type: "SecureString" }),
    );

    const encrypted = await ssm.send(new GetParameterCommand({ Name: name }));
    const decrypted = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));

    expect(aws.endpoint).toMatch(/^https?:\/\//);
    expect(encrypted.Parameter?.Type).toBe("SecureString");
    expect(encrypted.Parameter?.Value).not.toBe("emulated-secret");
    expect(decrypted.Parameter?.Value).toBe("emulated-secret");
    await expect(
      ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: "again",
          Type: "SecureString",
          Overwrite: false,
        }),
      ),
    ).rejects.toMatchObject({ name: "ParameterAlreadyExists" });
  });

  it(
    "raises AccessDeniedException over the wire when IAM denies the action",
    async () => {
      const emulator = await startIamEnforcedMoto({
        users: {
          reader: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "ssm:*", Resource: "*" },
              { Effect: "Deny", Action: "ssm:GetParameter", Resource: "*" },
            ],
          },
        },
      });
      try {
        const ssm = new SSMClient({
          endpoint: emulator.endpoint,
          credentials: emulator.users.reader,
        });
        await ssm.send(
          new PutParameterCommand({ Name: "/denied/p", Value: "v", Type: "SecureString" }),
        );
        await expect(
          ssm.send(new GetParameterCommand({ Name: "/denied/p" })),
        ).rejects.toMatchObject({
          name: "AccessDeniedException",
          $metadata: { httpStatusCode: 403 },
        });
      } finally {
        await emulator.stop();
      }
    },
    PROCESS_START_TIMEOUT_MS,
  );
});
