/**
 * The in-flight refresh record (docs/design.md §In-flight refresh): what a rotation leaves
 * behind when its ECS refresh would outlive the invocation. The rotation itself is finished
 * (published, pending parameter deleted); the record lists the services still being
 * refreshed, so that ECS's deployment events, or the resume schedule, can judge each one and
 * report the whole refresh once the last one settled.
 *
 * It holds names, ARNs, deployment and task IDs, times and ECS's own reasons: never a
 * secret, so it is a plain String parameter of its own (with parts when it outgrows one).
 */
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import * as z from "zod/mini";
import type { InFlightService, RefreshReport, ServiceRefresh } from "./ports";

export type { InFlightService } from "./ports";

export interface RefreshRecord {
  readonly version: 1;
  /** The rotation that started the refresh; its notice is the one finished here. */
  readonly invocationId: string;
  readonly rotationOutcome: "rotated" | "recovered";
  /** ISO times: when the rotation started, and when it handed the refresh over. */
  readonly rotationStartedAt: string;
  readonly recordedAt: string;
  readonly publishGapMs: number | null;
  /** Services not yet settled. */
  readonly inFlight: readonly InFlightService[];
  /** Services settled so far (within the first invocation, or since). */
  readonly settled: readonly ServiceRefresh[];
  readonly problems: readonly string[];
}

const inFlightSchema = z.object({
  service: z.string().check(z.minLength(1)),
  cluster: z.string().check(z.minLength(1)),
  arn: z.string().check(z.startsWith("arn:")),
  restartMethod: z.enum(["rolling", "stop-tasks"]),
  startedAt: z.number().check(z.int()),
  deploymentId: z.optional(z.string().check(z.minLength(1))),
  taskDefinition: z.optional(z.string().check(z.minLength(1))),
  tasks: z.optional(
    z.object({
      remaining: z.array(z.string()),
      replaced: z.number().check(z.int(), z.gte(0)),
      total: z.number().check(z.int(), z.gte(0)),
    }),
  ),
  detail: z.string(),
});

const settledSchema = z.object({
  service: z.string(),
  cluster: z.string(),
  restartMethod: z.optional(z.enum(["rolling", "stop-tasks"])),
  outcome: z.enum(["completed", "failed", "rolled-back", "timed-out"]),
  ok: z.boolean(),
  durationMs: z.number(),
  deploymentId: z.optional(z.string()),
  tasksReplaced: z.optional(z.number()),
  tasksTotal: z.optional(z.number()),
  detail: z.string(),
});

const recordSchema = z.object({
  version: z.literal(1),
  invocationId: z.string().check(z.minLength(1)),
  rotationOutcome: z.enum(["rotated", "recovered"]),
  rotationStartedAt: z.iso.datetime(),
  recordedAt: z.iso.datetime(),
  publishGapMs: z.nullable(z.number()),
  inFlight: z.array(inFlightSchema),
  settled: z.array(settledSchema),
  problems: z.array(z.string()),
});

/** A stored record, with the SSM version it was read at. */
export interface StoredRecord {
  readonly record: RefreshRecord;
  readonly version: number;
}

/**
 * Where the record lives: SSM String parameters, one while it fits and parts past 8 KB
 * (secrets/refresh-record-store.ts). `version` is the record's own parameter's: every write
 * makes the next one, which is how a writer sees that another came in between.
 */
export interface RefreshRecordStore {
  /** Undefined when there is none; throws RefreshRecordError when it is not a record. */
  read(): Promise<StoredRecord | undefined>;
  /** Create or overwrite it; resolves to the version written. */
  write(record: RefreshRecord): Promise<number>;
  /** Delete it; false when it was already gone (someone else finished the refresh). */
  remove(): Promise<boolean>;
}

/** The parameter holds something that is not a refresh record. */
export class RefreshRecordError extends Error {
  override readonly name = "RefreshRecordError";
}

/** `text` parsed as JSON, or a RefreshRecordError naming `parameter`. */
export function parseRecordJson(parameter: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RefreshRecordError(`${parameter} does not hold JSON`);
  }
}

export function parseRefreshRecord(parameter: string, text: string): RefreshRecord {
  return refreshRecordFrom(parameter, parseRecordJson(parameter, text));
}

/** The record `json` (parsed from `parameter`) is, or a RefreshRecordError saying where not. */
export function refreshRecordFrom(parameter: string, json: unknown): RefreshRecord {
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
    throw new RefreshRecordError(`${parameter} is not a refresh record (invalid: ${where})`);
  }
  return parsed.data as RefreshRecord;
}

/** What a service's in-flight entry turned into, judged from ECS. */
export type InFlightVerdict =
  | { readonly kind: "settled"; readonly result: ServiceRefresh }
  /** Still going: the entry to keep (a followed deployment, fewer tasks left, a new detail). */
  | { readonly kind: "in-flight"; readonly entry: InFlightService };

/** The record with `verdicts` applied; entries without a verdict are kept as they were. */
export function applyVerdicts(
  record: RefreshRecord,
  verdicts: ReadonlyMap<string, InFlightVerdict>,
): RefreshRecord {
  const inFlight: InFlightService[] = [];
  const settled = [...record.settled];
  for (const entry of record.inFlight) {
    const verdict = verdicts.get(entry.arn);
    if (verdict === undefined) inFlight.push(entry);
    else if (verdict.kind === "in-flight") inFlight.push(verdict.entry);
    else settled.push(verdict.result);
  }
  return { ...record, inFlight, settled };
}

/** The whole refresh's report, once nothing is in flight. */
export function finalReport(record: RefreshRecord): RefreshReport {
  return { services: record.settled, problems: record.problems };
}

/** Whether two records say the same (a write that changes nothing is skipped). */
export function sameRecord(a: RefreshRecord, b: RefreshRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The entry `arn` names, if the record has it in flight. */
export function inFlightEntry(record: RefreshRecord, arn: string): InFlightService | undefined {
  return record.inFlight.find((entry) => entry.arn === arn);
}
