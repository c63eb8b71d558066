/**
 * docs/design.md §Invariants 2, the recovery decision, as a pure function: which of the two stored
 * passwords the database accepts decides whether an interrupted rotation is published,
 * re-applied, or stopped.
 */
import type { LoginOutcome } from "./ports";

export type RecoveryVerdict = "publish" | "reapply" | "drift" | "unreachable";

/**
 * docs/design.md §Invariants 2 as a table. `staged` is the login with the pending password;
 * `current` the login with the password parameter's value, tried only when the staged one
 * was rejected.
 *
 *   staged       current      → verdict
 *   accepted     (not tried)  → publish      (the interrupted apply committed)
 *   unreachable  (not tried)  → unreachable  (decide nothing without an answer)
 *   rejected     accepted     → reapply      (the interrupted apply never committed)
 *   rejected     rejected     → drift        (someone else changed the password)
 *   rejected     unreachable  → unreachable
 */
export function decideRecovery(
  staged: LoginOutcome,
  current: LoginOutcome | undefined,
): RecoveryVerdict {
  if (staged.kind === "accepted") return "publish";
  if (staged.kind === "unreachable") return "unreachable";
  if (current === undefined || current.kind === "unreachable") return "unreachable";
  return current.kind === "accepted" ? "reapply" : "drift";
}
