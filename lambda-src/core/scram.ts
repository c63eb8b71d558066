/**
 * SCRAM-SHA-256 verifiers in the format PostgreSQL stores in pg_authid.rolpassword
 * (RFC 5802 / RFC 7677; PostgreSQL's src/common/scram-common.c):
 *
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 * Sending this verifier in `ALTER ROLE … PASSWORD '…'` sets the password without the
 * plaintext ever reaching the server, its statement log or pg_stat_statements.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

export interface ScramOptions {
  /** Fixed salt for reproducible tests; random by default. */
  readonly salt?: Buffer;
  readonly iterations?: number;
}

/**
 * Compute the verifier for `password`. Only printable ASCII is accepted: SASLprep leaves it
 * unchanged, so the verifier matches what any client derives from the same password.
 */
export function scramSha256Verifier(password: string, options: ScramOptions = {}): string {
  if (!/^[\x21-\x7e]+$/.test(password)) {
    throw new RangeError("SCRAM verifier: the password must be non-empty printable ASCII");
  }
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const saltedPassword = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", saltedPassword).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", saltedPassword).update("Server Key").digest();
  const [s, stored, server] = [salt, storedKey, serverKey].map((b) => b.toString("base64"));
  return `SCRAM-SHA-256$${iterations}:${s}$${stored}:${server}`;
}
