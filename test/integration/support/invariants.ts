/**
 * docs/design.md §Invariants 1 as a check: at this instant, the password parameter or the pending
 * parameter holds a password the database accepts.
 */
import { readParameter } from "./aws";
import { readPending } from "./pending";
import type { Scenario } from "./scenario";

export interface CredentialsOnRecord {
  readonly published: string | undefined;
  /** The password staged in the pending parameter, if one exists. */
  readonly staged: string | undefined;
  readonly publishedLogsIn: boolean;
  readonly stagedLogsIn: boolean;
}

export async function credentialsOnRecord(s: Scenario): Promise<CredentialsOnRecord> {
  const published = (await readParameter(s.parameters.password))?.value;
  const staged = (await readPending(s))?.password;
  return {
    published,
    staged,
    publishedLogsIn: published !== undefined && (await s.h.canLogin(s.role, published)),
    stagedLogsIn: staged !== undefined && (await s.h.canLogin(s.role, staged)),
  };
}

export async function expectNoLockout(s: Scenario): Promise<CredentialsOnRecord> {
  const record = await credentialsOnRecord(s);
  expect(record.publishedLogsIn || record.stagedLogsIn).toBe(true);
  return record;
}
