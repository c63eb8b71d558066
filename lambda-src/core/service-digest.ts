/**
 * A refresh's services, told within a byte budget. A refresh can span thousands of services
 * (the in-flight record holds them), and one entry is some 250 bytes of JSON, so a list of
 * every service outgrows the 256 KB of an SNS message, an EventBridge entry and a CloudWatch
 * Logs event, which would reject or cut the very line that reports the refresh. A digest
 * counts every service per outcome and lists as many as fit, the ones that need action
 * first; each service's full result is also in its own small log line (ecs/refresh.ts,
 * ecs/refresh-events.ts).
 */
import type { RefreshOutcome, ServiceRefresh } from "./ports";

/** Size of text as the AWS limits count it: UTF-8 bytes. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/**
 * The service list of a report log line (`step: "finish"`, the in-flight refresh's end, the
 * hand-over). CloudWatch Logs takes 256 KB per event; 64 KB (about 250 services) leaves room
 * for the line's other keys (steps, a capped error message, Powertools' context) and keeps
 * the line readable in the console and in Logs Insights, where the per-service lines answer
 * every question about one service.
 */
export const LOG_LIST_BYTES = 64 * 1024;

/** The order of a list that had to be cut: what needs action first, then what is pending. */
const RANK: Readonly<Record<RefreshOutcome, number>> = {
  failed: 0,
  "rolled-back": 1,
  "timed-out": 2,
  "in-flight": 3,
  completed: 4,
};

export type ServiceCounts = Readonly<Record<RefreshOutcome, number>>;

export interface ServiceDigest {
  /** Every service when all fit, in the refresh's order; else the first that fit, by RANK. */
  readonly services: readonly ServiceRefresh[];
  /** Every service, counted per outcome (each outcome present, 0 when none). */
  readonly serviceCounts: ServiceCounts;
  /** How many services `services` leaves out. */
  readonly servicesOmitted: number;
}

export function countOutcomes(services: readonly ServiceRefresh[]): ServiceCounts {
  const counts: Record<RefreshOutcome, number> = {
    completed: 0,
    failed: 0,
    "rolled-back": 0,
    "timed-out": 0,
    "in-flight": 0,
  };
  for (const s of services) counts[s.outcome] += 1;
  return counts;
}

/**
 * The longest prefix of `items` that `fits` accepts (possibly none). `fits` must be monotonic
 * (a shorter prefix fits when a longer one does), as sizes are; a binary search, so a fleet of
 * 5000 costs some 13 serializations.
 */
export function longestFittingPrefix<T>(
  items: readonly T[],
  fits: (prefix: readonly T[]) => boolean,
): readonly T[] {
  if (fits(items)) return items;
  let low = 0; // the longest length known to fit (the empty prefix is taken on trust)
  let high = items.length; // the shortest length known not to fit
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(items.slice(0, mid))) low = mid;
    else high = mid;
  }
  return items.slice(0, low);
}

/** A list's JSON fits a byte budget. */
export const jsonWithin =
  (budget: number) =>
  (list: readonly unknown[]): boolean =>
    utf8Bytes(JSON.stringify(list)) <= budget;

/**
 * Count every service, and list the ones `fits` accepts: all of them, in their order, when the
 * whole list fits; otherwise failed, rolled-back, timed-out, in-flight, then completed ones
 * (stable within each outcome) until the next one would not fit.
 */
export function digestServices(
  services: readonly ServiceRefresh[],
  fits: (listed: readonly ServiceRefresh[]) => boolean = jsonWithin(LOG_LIST_BYTES),
): ServiceDigest {
  const serviceCounts = countOutcomes(services);
  if (fits(services)) return { services, serviceCounts, servicesOmitted: 0 };
  const ranked = [...services].sort((a, b) => RANK[a.outcome] - RANK[b.outcome]);
  const listed = longestFittingPrefix(ranked, fits);
  return { services: listed, serviceCounts, servicesOmitted: services.length - listed.length };
}
