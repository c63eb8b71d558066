/**
 * The database sessions a run has open. A session outlives a step only between read or
 * recover and apply; the run closes whatever is left when it ends, so a failure in between
 * never leaves a connection open in a warm Lambda.
 */
import type { RoleSession } from "./ports";

export class Sessions {
  readonly #open = new Set<RoleSession>();

  track<S extends RoleSession>(session: S): S {
    this.#open.add(session);
    return session;
  }

  async close(session: RoleSession): Promise<void> {
    this.#open.delete(session);
    await session.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((session) => this.close(session)));
  }
}
