/**
 * Only SCRAM-SHA-256 may see a password. `pg` answers whatever the server asks: the password
 * in cleartext (AuthenticationCleartextPassword), an MD5 hash of it (AuthenticationMD5Password),
 * and it accepts AuthenticationOk without any exchange at all. With TLS `require` the server
 * is not authenticated, so an impostor on the path could collect the current, the new and the
 * administrative password, or say "OK" to a password the database never accepted and let
 * `verify` pass. This guard watches the server's authentication messages (its listeners run
 * before the client's, which are attached at connect) and hangs up before the client answers:
 *
 * - cleartext and MD5 requests are refused;
 * - a SASL request must offer SCRAM-SHA-256; in `require` mode it must offer channel binding
 *   (SCRAM-SHA-256-PLUS, bound to the certificate the client saw), so that a relay between
 *   the client and the real server fails;
 * - AuthenticationOk counts only after the server's final SCRAM message, whose signature pg
 *   checks (a wrong one fails the connection): it proves the server knows the verifier.
 *
 * The password reaches pg only through the `password` callback, which pg calls when it is
 * about to answer; it refuses unless the server asked for SCRAM, a second lock on the same door.
 */
import type { Client } from "pg";

export type TlsMode = "verify-full" | "require";

const SCRAM = "SCRAM-SHA-256";
const SCRAM_PLUS = "SCRAM-SHA-256-PLUS";

/** The server asked for authentication in a form that would expose the password. */
export class InsecureAuthenticationError extends Error {
  override readonly name = "InsecureAuthenticationError";
}

export interface AuthenticationGuard {
  /** pg's `password` option: the password, only once the server asked for SCRAM. */
  readonly password: () => string;
  /** Watch `client`'s connection; call before `client.connect()`. */
  attach(client: Client): void;
  /** Why the guard hung up, or undefined if it did not. */
  refusal(): InsecureAuthenticationError | undefined;
}

function mechanismsOf(message: unknown): readonly string[] {
  const mechanisms = (message as { mechanisms?: unknown } | null)?.mechanisms;
  return Array.isArray(mechanisms) ? mechanisms.filter((m) => typeof m === "string") : [];
}

/** What is wrong with a SASL request's mechanisms, or undefined when they are acceptable. */
export function saslProblem(mechanisms: readonly string[], tlsMode: TlsMode): string | undefined {
  if (!mechanisms.includes(SCRAM) && !mechanisms.includes(SCRAM_PLUS)) {
    return `offered only the SASL mechanism(s) ${mechanisms.join(", ") || "(none)"}, not ${SCRAM}`;
  }
  if (tlsMode === "require" && !mechanisms.includes(SCRAM_PLUS)) {
    return (
      `offered ${SCRAM} without channel binding (${SCRAM_PLUS}), which TLS mode "require" ` +
      "needs because it does not verify the server certificate"
    );
  }
  return undefined;
}

export function authenticationGuard(password: string, tlsMode: TlsMode): AuthenticationGuard {
  let scramRequested = false;
  let scramFinished = false;
  let refusal: InsecureAuthenticationError | undefined;

  const refuse = (client: Client, behaviour: string) => {
    refusal ??= new InsecureAuthenticationError(
      `the server ${behaviour}; refused before sending anything derived from the password ` +
        `(only ${SCRAM} is accepted)`,
    );
    client.connection.stream.destroy(refusal);
  };

  return {
    password: () => {
      if (!scramRequested || refusal !== undefined) {
        throw refusal ?? new InsecureAuthenticationError(`password requested outside ${SCRAM}`);
      }
      return password;
    },
    refusal: () => refusal,
    attach(client) {
      const connection = client.connection;
      connection.on("authenticationCleartextPassword", () =>
        refuse(client, "asked for the password in cleartext (AuthenticationCleartextPassword)"),
      );
      connection.on("authenticationMD5Password", () =>
        refuse(client, "asked for an MD5 hash of the password (AuthenticationMD5Password)"),
      );
      connection.on("authenticationSASL", (message: unknown) => {
        const problem = saslProblem(mechanismsOf(message), tlsMode);
        if (problem === undefined) scramRequested = true;
        else refuse(client, problem);
      });
      connection.on("authenticationSASLFinal", () => {
        scramFinished = true;
      });
      connection.on("authenticationOk", () => {
        if (!scramFinished) {
          refuse(
            client,
            `reported AuthenticationOk without completing ${SCRAM} (no server signature to verify)`,
          );
        }
      });
    },
  };
}
