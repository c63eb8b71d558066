/**
 * Finishing an in-flight refresh (docs/design.md §In-flight refresh): ECS's deployment events
 * and the resume schedule's sweep judge the services the record lists, and when the last one
 * is verified, failed or rolled back, the whole refresh is reported once (log, metrics,
 * notification) and the record is deleted. No login and no secret: only the record and ECS.
 *
 * Concurrent invocations (ECS sends one event per service, and they arrive together) update
 * the record without a lock. SSM has no conditional write, but PutParameter returns the
 * version it wrote: a writer that read version v and wrote a version other than v + 1 knows
 * another writer came in between and that its own write may have dropped that writer's
 * verdicts. Every verdict is derived from ECS, which keeps it (a COMPLETED deployment stays
 * COMPLETED), so the writer judges every entry again from ECS and writes again; a lost
 * verdict is found again, never lost. Finishing is claimed by DeleteParameter: only the
 * invocation whose delete removed the record reports, so two last events report once.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { Config } from "../config";
import { refreshFailure } from "../core/protocol";
import {
  applyVerdicts,
  finalReport,
  inFlightEntry,
  sameRecord,
  type InFlightVerdict,
  type RefreshRecord,
  type RefreshRecordStore,
} from "../core/refresh-record";
import type {
  PlannedService,
  RotationLogger,
  RotationMetrics,
  ServiceRefresh,
} from "../core/ports";
import { continueStopTasks, judgeRolling, type ContinueTasks } from "./in-flight";
import { logServiceRefresh } from "./service-line";
import { digestServices } from "../core/service-digest";
import type { EcsDeploymentEvent } from "../event";
import { failureNotice, successNotice } from "../notice";
import type { Notifier } from "../notify";

export interface InFlightDeps {
  readonly config: Config;
  readonly records: RefreshRecordStore;
  readonly ecs: ECSClient;
  readonly notifier: Notifier;
  readonly logger: RotationLogger;
  readonly metrics: RotationMetrics;
  readonly clock: () => number;
}

export type InFlightOutcome =
  /** Nothing to do: not a service in flight, an IN_PROGRESS event, or no record at all. */
  "ignored" | "refresh-in-progress" | "refresh-completed" | "refresh-failed";

export interface InFlightResult {
  readonly outcome: InFlightOutcome;
  readonly reason?: string;
  /** The rotation whose refresh this is. */
  readonly rotation?: string;
  readonly services: readonly ServiceRefresh[];
}

/** How often a writer that lost a race judges again before leaving it to the next event. */
const WRITE_ATTEMPTS = 5;

const ignored = (reason: string): InFlightResult => ({ outcome: "ignored", reason, services: [] });

type Judge = (record: RefreshRecord) => Promise<Map<string, InFlightVerdict> | undefined>;

/** An ECS deployment event: judge its service, if the record has it in flight. */
export async function onDeploymentEvent(
  deps: InFlightDeps,
  event: EcsDeploymentEvent,
): Promise<InFlightResult> {
  // Each deployment also announces its start; only an end can settle a service.
  if (event.eventName === "SERVICE_DEPLOYMENT_IN_PROGRESS") {
    return ignored("a deployment started; only its end is judged");
  }
  const settings = { waitTimeoutMs: deps.config.refresh.waitTimeoutMs, clock: deps.clock };
  return settle(deps, async (record) => {
    const entry = inFlightEntry(record, event.serviceArn);
    // Not in flight, or replaced task by task (the resume sweep continues those).
    if (entry?.restartMethod !== "rolling") return undefined;
    // The event says which service to look at; ECS says how its (or a later) deployment ended.
    return judgeRolling(deps.ecs, [entry], settings);
  });
}

/**
 * The resume schedule's sweep: judge every service in flight from ECS (ten per call), so one
 * whose event never arrived is finished too, and continue task-by-task replacements within
 * this invocation's time.
 */
export async function sweepInFlight(
  deps: InFlightDeps,
  cont: Omit<ContinueTasks, "waitTimeoutMs">,
): Promise<InFlightResult> {
  const waitTimeoutMs = deps.config.refresh.waitTimeoutMs;
  const settings = { waitTimeoutMs, clock: deps.clock };
  // Task replacements happen once; a retry after a lost race only re-judges deployments.
  let replaced: Map<string, InFlightVerdict> | undefined;
  return settle(deps, async (record) => {
    const verdicts = await judgeRolling(deps.ecs, record.inFlight, settings);
    if (replaced === undefined) {
      replaced = new Map();
      for (const entry of record.inFlight.filter((e) => e.restartMethod === "stop-tasks")) {
        const target = plannedFrom(entry);
        const verdict = await continueStopTasks(deps.ecs, entry, target, {
          ...cont,
          waitTimeoutMs,
        });
        replaced.set(entry.arn, verdict);
      }
    }
    for (const [arn, verdict] of replaced) verdicts.set(arn, verdict);
    return verdicts;
  });
}

/** What replaceTasks needs of a planned service: names, and the task definition's health checks. */
function plannedFrom(entry: RefreshRecord["inFlight"][number]): PlannedService {
  return {
    service: entry.service,
    cluster: entry.cluster,
    arn: entry.arn,
    source: "listed",
    controller: undefined,
    restartMethod: "stop-tasks",
    desiredCount: entry.tasks?.total ?? 0,
    runningCount: 0,
    taskDefinition: entry.taskDefinition,
  };
}

async function settle(deps: InFlightDeps, judgeFirst: Judge): Promise<InFlightResult> {
  let judge = judgeFirst;
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const stored = await deps.records.read();
    if (stored === undefined) return ignored("no refresh is in flight");
    const verdicts = await judge(stored.record);
    if (verdicts === undefined) return ignored("no deployment of this service is in flight");
    const next = applyVerdicts(stored.record, verdicts);
    const settledNow = () => logSettled(deps, stored.record, verdicts);
    if (next.inFlight.length === 0) return finish(deps, next, settledNow);
    if (sameRecord(next, stored.record)) return inProgress(next);
    const written = await deps.records.write(next);
    if (written === stored.version + 1) {
      settledNow();
      return inProgress(next);
    }
    if (written <= stored.version) {
      // Deleted and created again by our write: another invocation finished the refresh.
      await deps.records.remove();
      return ignored("another invocation finished the refresh");
    }
    deps.logger.warn("another invocation updated the in-flight refresh meanwhile; judging again", {
      step: "refresh",
      outcome: "record-race",
      attempt,
    });
    const settings = { waitTimeoutMs: deps.config.refresh.waitTimeoutMs, clock: deps.clock };
    judge = (record) => judgeRolling(deps.ecs, record.inFlight, settings);
  }
  return ignored("the record kept changing; the next event or the resume sweep judges again");
}

function inProgress(record: RefreshRecord): InFlightResult {
  return {
    outcome: "refresh-in-progress",
    rotation: record.invocationId,
    services: [...record.settled, ...record.inFlight.map(asReported)],
  };
}

const asReported = (entry: RefreshRecord["inFlight"][number]): ServiceRefresh => ({
  service: entry.service,
  cluster: entry.cluster,
  restartMethod: entry.restartMethod,
  outcome: "in-flight",
  ok: false,
  durationMs: 0,
  ...(entry.deploymentId ? { deploymentId: entry.deploymentId } : {}),
  detail: entry.detail,
});

/**
 * One line per service this invocation settled, like the ones ecs/refresh.ts writes in the
 * first invocation (plus the rotation's id): together they list the whole refresh, which a
 * report line or a notice of a large fleet only counts. Written once the verdicts are kept.
 */
function logSettled(
  deps: InFlightDeps,
  before: RefreshRecord,
  verdicts: ReadonlyMap<string, InFlightVerdict>,
): void {
  for (const entry of before.inFlight) {
    const verdict = verdicts.get(entry.arn);
    if (verdict?.kind !== "settled") continue;
    logServiceRefresh(deps.logger, verdict.result, { rotation: before.invocationId });
  }
}

/** The last service settled: claim the record by deleting it, then report the whole refresh. */
async function finish(
  deps: InFlightDeps,
  record: RefreshRecord,
  settledNow: () => void,
): Promise<InFlightResult> {
  if (!(await deps.records.remove())) return ignored("another invocation finished the refresh");
  settledNow();
  const { logger, metrics, notifier, config } = deps;
  const now = deps.clock();
  const report = finalReport(record);
  const durationMs = now - Date.parse(record.rotationStartedAt);
  const rotation = record.invocationId;
  const stateLeft = "the rotation is finished; the services listed still run the old value";
  const failure = refreshFailure(report, stateLeft);
  metrics.duration(durationMs);
  // Bounded: the per-service lines hold the full list.
  const fields = { step: "refresh", rotation, durationMs, ...digestServices(report.services) };
  if (failure === undefined) {
    metrics.succeeded();
    logger.info("in-flight refresh completed", { ...fields, outcome: "refresh-completed" });
    const result = { ...record, outcome: record.rotationOutcome, steps: [], durationMs };
    await notifier.notify(
      successNotice(config, { ...result, services: report.services }, rotation, now),
    );
    return { outcome: "refresh-completed", rotation, services: report.services };
  }
  failure.report = { durationMs, steps: [], services: report.services };
  metrics.failed();
  logger.error(failure.message, { ...fields, outcome: "refresh-failed", kind: failure.kind });
  const startedAt = Date.parse(record.rotationStartedAt);
  await notifier.notify(failureNotice(config, failure, rotation, startedAt, now));
  return {
    outcome: "refresh-failed",
    reason: failure.message,
    rotation,
    services: report.services,
  };
}
