/**
 * Every secret a run has seen, so that whatever it writes to a log, an error or a result can
 * be redacted first (docs/design.md §Invariants 3). A secret is remembered the moment it is
 * read or generated, before anything could quote it.
 */
import { describeError, redact } from "../redact";

export class SecretLedger {
  readonly #secrets = new Set<string>();

  remember(secret: string): void {
    this.#secrets.add(secret);
  }

  /** `text` with every remembered secret replaced, in each spelling it can take. */
  sanitize(text: string): string {
    return redact(text, this.#secrets);
  }

  /** A one-line, secret-free summary of a thrown value. */
  describe(error: unknown): string {
    return describeError(error, this.#secrets);
  }
}
