/**
 * How the in-flight refresh record (core/refresh-record.ts) fits in SSM, whose parameters hold
 * at most 8 KB each (Intelligent-Tiering). A record that fits is stored as its plain JSON, as an
 * operator reads it. A larger one (more than some twenty services) is compressed (deflate,
 * base64: about 40 characters per rolling service instead of 330) and kept in the record's
 * parameter itself while that fits (some 180 rolling services), otherwise split into
 * parts `<record>/part-<n>`, each an 8 KB String parameter, written before the record's own
 * parameter (the head) that names each part's SSM version.
 *
 * Pinning versions is what keeps a record whole without a lock: a part's version is immutable
 * (SSM keeps its last 100), so a head always points at the parts its writer wrote, even when a
 * concurrent writer, or a crashed one, overwrote them since. The head stays the single point of
 * commit and its version the race detector (ecs/refresh-events.ts).
 */
import { createHash } from "node:crypto";
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import * as z from "zod/mini";
import {
  parseRecordJson,
  parseRefreshRecord,
  refreshRecordFrom,
  RefreshRecordError,
  type RefreshRecord,
} from "../core/refresh-record";

/** SSM's limit on a parameter's value (advanced tier, which Intelligent-Tiering picks). */
export const PARAMETER_LIMIT = 8192;

const ENCODING = "deflate-raw+base64";

/** The record, ready to store: plain JSON, or a head and the parts it needs. */
export type PackedRecord =
  | { readonly kind: "plain"; readonly value: string }
  | {
      readonly kind: "packed";
      /** What the head says besides where its data is: readable without decoding. */
      readonly summary: Summary;
      readonly sha256: string;
      /** The encoded record: in the head when it fits there, else in `parts`. */
      readonly data?: string;
      readonly parts: readonly string[];
    };

interface Summary {
  readonly invocationId: string;
  readonly recordedAt: string;
  readonly inFlight: number;
  readonly settled: number;
}

const headSchema = z.object({
  format: z.literal(ENCODING),
  invocationId: z.string(),
  recordedAt: z.string(),
  inFlight: z.number().check(z.int()),
  settled: z.number().check(z.int()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  data: z.optional(z.string()),
  parts: z.optional(z.array(z.number().check(z.int(), z.minimum(1)))),
});

/** What a head says: the record itself, or where and how its encoded data lies. */
export type Head =
  | { readonly kind: "plain"; readonly record: RefreshRecord }
  | { readonly kind: "packed"; readonly sha256: string; readonly data: string }
  | { readonly kind: "parts"; readonly sha256: string; readonly versions: readonly number[] };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Loaded on first use: a cold start that never meets a large record does not pay for zlib. */
const zlib = () => import("node:zlib");

/** `limit` is SSM's; tests pass a smaller one to exercise parts with few services. */
export async function packRecord(
  record: RefreshRecord,
  limit = PARAMETER_LIMIT,
): Promise<PackedRecord> {
  const json = JSON.stringify(record);
  if (json.length <= limit) return { kind: "plain", value: json };
  const data = (await zlib()).deflateRawSync(json, { level: 9 }).toString("base64");
  const summary = {
    invocationId: record.invocationId,
    recordedAt: record.recordedAt,
    inFlight: record.inFlight.length,
    settled: record.settled.length,
  };
  const packed = { kind: "packed", summary, sha256: sha256(data), parts: [] } as const;
  const inline = { ...packed, data };
  if (headValue(inline, []).length <= limit) return inline;
  const parts: string[] = [];
  for (let at = 0; at < data.length; at += limit) parts.push(data.slice(at, at + limit));
  return { ...packed, parts };
}

/** The head's value, once the parts (if any) were written at `versions`. */
export function headValue(packed: PackedRecord, versions: readonly number[]): string {
  if (packed.kind === "plain") return packed.value;
  const where = packed.data !== undefined ? { data: packed.data } : { parts: versions };
  return JSON.stringify({ format: ENCODING, ...packed.summary, sha256: packed.sha256, ...where });
}

/** What the head parameter `name` holds; throws RefreshRecordError when it is neither form. */
export function parseHead(name: string, text: string): Head {
  const json = parseRecordJson(name, text);
  const head = headSchema.safeParse(json);
  if (!head.success) return { kind: "plain", record: refreshRecordFrom(name, json) };
  const { sha256: digest, data, parts } = head.data;
  if (data !== undefined) return { kind: "packed", sha256: digest, data };
  if (parts !== undefined && parts.length > 0) {
    return { kind: "parts", sha256: digest, versions: parts };
  }
  throw new RefreshRecordError(`${name} is a refresh record head with neither data nor parts`);
}

/**
 * The record the encoded `data` holds, or undefined when `data` is not what the head's digest
 * says: a part was deleted and written again since the head (see refresh-record-store.ts).
 */
export async function unpackRecord(
  name: string,
  digest: string,
  data: string,
): Promise<RefreshRecord | undefined> {
  if (sha256(data) !== digest) return undefined;
  const { inflateRawSync } = await zlib();
  let json: string;
  try {
    json = inflateRawSync(Buffer.from(data, "base64")).toString("utf8");
  } catch {
    throw new RefreshRecordError(`${name} holds data that does not inflate`);
  }
  return parseRefreshRecord(name, json);
}

/**
 * The name of part `n` (from 1): under the record's own path, so that one IAM grant
 * (`<record ARN>/part-*`) covers exactly the parts. A record name without a path gets one.
 */
export function partName(record: string, n: number): string {
  return `${record.startsWith("/") ? "" : "/"}${record}/part-${n}`;
}
