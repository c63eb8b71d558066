/**
 * A pending parameter as another run leaves it (one still running, or one that crashed),
 * written by the test to set up a lease or recovery case directly, with the engine's own
 * record builder (lambda-src/core/pending.ts).
 */
import {
  newPendingRecord,
  serializePending,
  type LeaseHolder,
  type PendingRecord,
} from "../../../lambda-src/core/pending";
import { putSecureString, readParameter } from "./aws";
import type { Scenario } from "./scenario";

/** Seeds a pending parameter staging `password` for the scenario's role, held by `holder`. */
export async function seedPending(
  s: Scenario,
  password: string,
  holder: LeaseHolder,
  stagedAt: number,
): Promise<PendingRecord> {
  const record = newPendingRecord(password, s.role, holder, stagedAt);
  await putSecureString(s.parameters.pending, serializePending(record));
  return record;
}

/** Seeds a pending parameter staging `password` whose lease ended a minute ago. */
export function seedExpiredPending(s: Scenario, password: string): Promise<PendingRecord> {
  const now = Date.now();
  const crashed = { invocationId: "a-crashed-invocation", deadline: now - 60_000 };
  return seedPending(s, password, crashed, now - 120_000);
}

export async function readPending(s: Scenario): Promise<PendingRecord | undefined> {
  const text = (await readParameter(s.parameters.pending))?.value;
  return text === undefined ? undefined : (JSON.parse(text) as PendingRecord);
}
