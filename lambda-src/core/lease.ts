/**
 * The pending record this run holds (docs/design.md §Invariants 4): held from stage or a
 * lease takeover until finish deletes the pending parameter. The staged password and role
 * are read from it, so no step can use a password the pending parameter does not hold.
 */
import type { PendingRecord } from "./pending";

export class Lease {
  #held: PendingRecord | undefined;
  /** The last record held; kept after `release` so a report can still name the staged role. */
  #staged: PendingRecord | undefined;

  hold(record: PendingRecord): void {
    this.#held = record;
    this.#staged = record;
  }

  release(): void {
    this.#held = undefined;
  }

  /** The record while the lease is held, for the failure path's release. */
  get held(): PendingRecord | undefined {
    return this.#held;
  }

  /** The role staged by this run, if it got that far; known after `release` too. */
  get stagedRole(): string | undefined {
    return this.#staged?.username;
  }

  /** The staged password; only while the lease is held (steps 3-5). */
  password(): string {
    return this.#require("password").password;
  }

  /** The staged role: DB_USER, or with alternating-users the one not published. */
  role(): string {
    return this.#require("role").username;
  }

  #require(what: string): PendingRecord {
    if (this.#held === undefined) throw new Error(`no staged ${what}: the lease is not held`);
    return this.#held;
  }
}
