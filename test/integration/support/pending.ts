/**
 * A pending parameter as an interrupted run leaves it, written by the test to set up a
 * recovery case directly. The shape is the engine's PendingRecord (lambda-src/pending.ts).
 */
import type { PendingRecord } from "../../../lambda-src/pending";
import { putSecureString, readParameter } from "./aws";
import type { Scenario } from "./scenario";

/** Seeds a pending parameter staging `password` whose lease ended a minute ago. */
export async function seedExpiredPending(s: Scenario, password: string): Promise<PendingRecord> {
  const now = Date.now();
  const record: PendingRecord = {
    version: 1,
    password,
    username: s.role,
    stagedAt: new Date(now - 120_000).toISOString(),
    leaseExpiresAt: new Date(now - 60_000).toISOString(),
    invocationId: "a-crashed-invocation",
  };
  await putSecureString(s.parameters.pending, JSON.stringify(record));
  return record;
}

export async function readPending(s: Scenario): Promise<PendingRecord | undefined> {
  const text = (await readParameter(s.parameters.pending))?.value;
  return text === undefined ? undefined : (JSON.parse(text) as PendingRecord);
}
