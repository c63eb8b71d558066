/**
 * Step 6's hand-over (docs/design.md §In-flight refresh): services still being refreshed when
 * the invocation ends are written to the in-flight refresh record, and the run ends
 * "refresh-in-progress"; ECS's deployment events and the resume schedule finish the refresh.
 *
 * Invariant: the record is written before the pending parameter is deleted, so a refresh is
 * never left without an owner: either the pending parameter exists (the next run finishes
 * the rotation and refreshes again) or the record does (events and the resume sweep finish
 * the refresh). Without a record store, or when the write fails, the in-flight services are
 * reported "timed-out" as before: the run fails with refresh-failed and says so.
 */
import type { RefreshRecord, RefreshRecordStore } from "./refresh-record";
import type { RefreshReport, ServiceRefresh } from "./ports";
import type { Run } from "./run";
import { LOG_LIST_BYTES, jsonWithin, longestFittingPrefix } from "./service-digest";

/** The report the run goes on with: in flight and recorded, or degraded to "timed-out". */
export async function handOver(
  run: Run,
  records: RefreshRecordStore | undefined,
  report: RefreshReport,
  rotationOutcome: RefreshRecord["rotationOutcome"],
): Promise<RefreshReport> {
  const inFlight = report.inFlight ?? [];
  if (inFlight.length === 0) return report;
  const record: RefreshRecord = {
    version: 1,
    invocationId: run.invocation.invocationId,
    rotationOutcome,
    rotationStartedAt: new Date(run.startedAt).toISOString(),
    recordedAt: new Date(run.now()).toISOString(),
    publishGapMs: run.record.publishGapMs,
    inFlight,
    settled: report.services.filter((s) => s.outcome !== "in-flight"),
    problems: report.problems,
  };
  let why: string;
  if (records === undefined) {
    why = "no in-flight refresh record is configured";
  } else {
    try {
      await records.write(record);
      const names = inFlight.map((s) => `${s.cluster}/${s.service}`);
      // Bounded like every report line; each service logged its own "in-flight" line.
      const listed = longestFittingPrefix(names, jsonWithin(LOG_LIST_BYTES));
      run.logger.info("refresh handed over: it continues after this invocation", {
        step: "refresh",
        outcome: "refresh-in-progress",
        inFlight: listed,
        inFlightOmitted: names.length - listed.length,
      });
      return report;
    } catch (error) {
      why = `the in-flight refresh record could not be written: ${run.secrets.describe(error)}`;
    }
  }
  run.logger.error("refresh not handed over", { step: "refresh", outcome: "timed-out", why });
  const services = report.services.map((s): ServiceRefresh =>
    s.outcome === "in-flight" ? { ...s, outcome: "timed-out", detail: `${s.detail}; ${why}` } : s,
  );
  run.record.refreshed(services);
  return { services, problems: report.problems };
}

/** Whether the run handed part of its refresh over. */
export function refreshInFlight(report: RefreshReport): boolean {
  return (report.inFlight ?? []).length > 0;
}
