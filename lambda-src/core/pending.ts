/**
 * The pending parameter: the staged password, plus a lease saying which invocation owns the
 * rotation and until when. Creating it with Overwrite=false is the lock; its lease ends when
 * the owning invocation's Lambda deadline passes, since that invocation cannot run longer.
 */
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import * as z from "zod/mini";
import { rotationError } from "../errors";
import type { SecretStore } from "./ports";
import { parseSecretJson } from "./secret-json";
import type { StepName } from "./steps";

export interface PendingRecord {
  readonly version: 1;
  readonly password: string;
  readonly username: string;
  /** ISO time the password was generated; kept across lease takeovers. */
  readonly stagedAt: string;
  /** ISO time after which another invocation may take over. */
  readonly leaseExpiresAt: string;
  readonly invocationId: string;
  /**
   * Staged by a revoke: once the refresh completed, the previously published role gets a
   * password no one sees, before the record is deleted. Kept across takeovers, so that a
   * recovery finishes the revoke too.
   */
  readonly revokePrevious?: true;
}

const pendingSchema = z.object({
  version: z.literal(1),
  password: z.string().check(z.minLength(1)),
  username: z.string().check(z.minLength(1)),
  stagedAt: z.iso.datetime(),
  leaseExpiresAt: z.iso.datetime(),
  invocationId: z.string().check(z.minLength(1)),
  revokePrevious: z.optional(z.literal(true)),
});

export interface LeaseHolder {
  readonly invocationId: string;
  /** Epoch milliseconds after which the invocation cannot be running. */
  readonly deadline: number;
}

export function newPendingRecord(
  password: string,
  username: string,
  holder: LeaseHolder,
  now: number,
  revokePrevious = false,
): PendingRecord {
  return {
    version: 1,
    password,
    username,
    stagedAt: new Date(now).toISOString(),
    leaseExpiresAt: new Date(holder.deadline).toISOString(),
    invocationId: holder.invocationId,
    ...(revokePrevious ? { revokePrevious: true as const } : {}),
  };
}

/** The same staged password under a new holder's lease. */
export function takeOverLease(record: PendingRecord, holder: LeaseHolder): PendingRecord {
  return {
    ...record,
    leaseExpiresAt: new Date(holder.deadline).toISOString(),
    invocationId: holder.invocationId,
  };
}

/** The same record with its lease ended now, so the next run may recover at once. */
export function releaseLease(record: PendingRecord, now: number): PendingRecord {
  return { ...record, leaseExpiresAt: new Date(now).toISOString() };
}

/**
 * How far a lease may end beyond this run's own deadline: the clock skew allowed between two
 * invocations. Every invocation of the function has the same timeout, so a lease a real run
 * wrote ends at most that timeout after now, which is about this run's own deadline.
 */
export const LEASE_SKEW_MS = 60_000;

/**
 * Whether the lease ends later than any invocation of this function could have set it: a
 * record planted or edited by someone else. Such a lease is treated as expired (and reported)
 * instead of stopping every run until it ends.
 */
export function leaseOutOfReach(record: PendingRecord, ownDeadline: number): boolean {
  return Date.parse(record.leaseExpiresAt) > ownDeadline + LEASE_SKEW_MS;
}

/** Whether another invocation may still be working on this rotation at `now`. */
export function leaseHeld(record: PendingRecord, now: number): boolean {
  return now < Date.parse(record.leaseExpiresAt);
}

export function serializePending(record: PendingRecord): string {
  return JSON.stringify(record);
}

/**
 * Parse the pending parameter's value. Errors name the parameter and the bad fields, never
 * the value: JSON.parse's own message quotes the input, so it is not passed on.
 */
export function parsePending(parameter: string, text: string, step: StepName): PendingRecord {
  return parseSecretJson(text, pendingSchema, (detail) =>
    rotationError("parameter-malformed", { step }, { about: "pending", parameter, detail }),
  );
}

/**
 * Read and parse the pending parameter, if one exists. `secrets` remembers the raw value and
 * the password inside it before anything else can quote them, so errors and logs redact both.
 * Raises parameter-malformed (at `step`) when the value does not parse.
 */
export async function readPendingRecord(
  store: Pick<SecretStore, "getSecureString">,
  name: string,
  step: StepName,
  secrets: { remember(secret: string): void },
): Promise<PendingRecord | undefined> {
  const text = await store.getSecureString(name);
  return text === undefined ? undefined : pendingFromText(name, text, step, secrets);
}

/** Parse a pending parameter's value read by another call, remembering its secrets first. */
export function pendingFromText(
  name: string,
  text: string,
  step: StepName,
  secrets: { remember(secret: string): void },
): PendingRecord {
  secrets.remember(text);
  const record = parsePending(name, text, step);
  secrets.remember(record.password);
  return record;
}
