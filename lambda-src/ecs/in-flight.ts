/**
 * The ECS side of an in-flight refresh (docs/design.md §In-flight refresh): which services a
 * refresh hands over when the invocation ends before they settle, and, later, what ECS says
 * about each handed-over service. ECS is the judge, never the event that woke us: a
 * deployment event only says which service to look at, and one DescribeServices (ten
 * services per call when the resume schedule sweeps them all) decides through the same
 * rolloutVerdict the in-invocation wait uses.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { InFlightVerdict } from "../core/refresh-record";
import type { InFlightService, PlannedService, ServiceRefresh } from "../core/ports";
import { describeError } from "../redact";
import type { RollingResult } from "./rolling";
import { rolloutVerdict } from "./rollout";
import { describeServices } from "./services";
import {
  replaceTasks,
  STOP_REASON,
  type StopTasksOptions,
  type StopTasksShared,
  type StopTasksResult,
} from "./stop-tasks";
import { taskDefinitionReader } from "./task-definitions";
import { createTaskPoller } from "./tasks";
import { DEFAULT_TIMING, type Timing } from "./wait";

/**
 * The record entry for a service whose wait the invocation's end cut short, or undefined
 * when there is nothing to follow (no ARN, no deployment, no task left): then it is
 * reported "timed-out" as before.
 */
export function entryFor(
  target: PlannedService,
  result: RollingResult | StopTasksResult,
  startedAt: number,
): InFlightService | undefined {
  if (target.arn === undefined || result.outcome !== "timed-out") return undefined;
  const base = {
    service: target.service,
    cluster: target.cluster,
    arn: target.arn,
    startedAt,
    detail: result.detail,
  };
  if ("tasksTotal" in result) {
    const remaining = result.remaining ?? [];
    const tasks = { remaining, replaced: result.tasksReplaced, total: result.tasksTotal };
    const taskDefinition = target.taskDefinition;
    return {
      ...base,
      restartMethod: "stop-tasks",
      tasks,
      ...(taskDefinition ? { taskDefinition } : {}),
    };
  }
  if (result.deploymentId === undefined) return undefined;
  return { ...base, restartMethod: "rolling", deploymentId: result.deploymentId };
}

/**
 * A restart method's result as reported. When the invocation's end cut the wait short and
 * there is something to follow, the service is reported "in-flight" and its record entry
 * added to `inFlight`; otherwise as the method ended (without the task list a hand-over keeps).
 */
export function reportOrHandOver(
  target: PlannedService,
  r: RollingResult | StopTasksResult,
  cut: { readonly startedAt: number; readonly now: number; readonly byInvocationEnd: boolean },
  inFlight: InFlightService[],
): ServiceRefresh {
  const durationMs = cut.now - cut.startedAt;
  const entry = cut.byInvocationEnd ? entryFor(target, r, cut.startedAt) : undefined;
  if (entry !== undefined) {
    inFlight.push(entry);
    return inFlightReport(entry, durationMs);
  }
  const { remaining: _kept, ...shown } = r as StopTasksResult;
  const base = { service: target.service, cluster: target.cluster };
  return {
    ...base,
    restartMethod: target.restartMethod,
    ...shown,
    ok: r.outcome === "completed",
    durationMs,
  };
}

/** An in-flight entry as the report shows it while it is still in flight. */
export function inFlightReport(entry: InFlightService, durationMs: number): ServiceRefresh {
  return {
    service: entry.service,
    cluster: entry.cluster,
    restartMethod: entry.restartMethod,
    outcome: "in-flight",
    ok: false,
    durationMs,
    ...(entry.deploymentId ? { deploymentId: entry.deploymentId } : {}),
    ...(entry.tasks ? { tasksReplaced: entry.tasks.replaced, tasksTotal: entry.tasks.total } : {}),
    detail: entry.detail,
  };
}

export interface JudgeSettings {
  readonly waitTimeoutMs: number;
  readonly clock: () => number;
}

const settled = (
  entry: InFlightService,
  now: number,
  outcome: ServiceRefresh["outcome"],
  detail: string,
  extra: Partial<ServiceRefresh> = {},
): InFlightVerdict => ({
  kind: "settled",
  result: {
    service: entry.service,
    cluster: entry.cluster,
    restartMethod: entry.restartMethod,
    outcome,
    ok: outcome === "completed",
    durationMs: now - entry.startedAt,
    ...(entry.deploymentId ? { deploymentId: entry.deploymentId } : {}),
    ...extra,
    detail,
  },
});

/** Past its wait timeout, counted from its start: settled "timed-out"; else still in flight. */
function stillGoing(entry: InFlightService, settings: JudgeSettings, detail: string) {
  const now = settings.clock();
  if (now - entry.startedAt >= settings.waitTimeoutMs) {
    return settled(entry, now, "timed-out", `still in progress after the wait timeout: ${detail}`);
  }
  return { kind: "in-flight", entry: { ...entry, detail } } as const;
}

/**
 * Judge the rolling entries from ECS: DescribeServices per cluster, ten services per call.
 * An entry whose service ECS does not answer for stays as it was (the next look decides).
 */
export async function judgeRolling(
  ecs: ECSClient,
  entries: readonly InFlightService[],
  settings: JudgeSettings,
): Promise<Map<string, InFlightVerdict>> {
  const verdicts = new Map<string, InFlightVerdict>();
  const rolling = entries.filter((e) => e.restartMethod === "rolling" && e.deploymentId);
  const clusters = [...new Set(rolling.map((e) => e.cluster))];
  for (const cluster of clusters) {
    const ofCluster = rolling.filter((e) => e.cluster === cluster);
    const described = await describeServices(
      ecs,
      cluster,
      ofCluster.map((e) => e.arn),
    );
    ofCluster.forEach((entry, i) => {
      const seen = rolloutVerdict(described[i]?.service, entry.deploymentId as string);
      const now = settings.clock();
      if (seen.kind === "superseded") {
        // As in the in-invocation wait: a later deployment also starts every task anew.
        const detail = `deployment ${entry.deploymentId} was replaced by ${seen.by}`;
        const followed = { ...entry, deploymentId: seen.by };
        verdicts.set(entry.arn, stillGoing(followed, settings, detail));
      } else if (seen.kind === "in-progress") {
        verdicts.set(entry.arn, stillGoing(entry, settings, seen.detail));
      } else {
        verdicts.set(entry.arn, settled(entry, now, seen.kind, seen.detail));
      }
    });
  }
  return verdicts;
}

export interface ContinueTasks {
  /** The task definitions read, and the poller the waits for replacement tasks share. */
  readonly shared: StopTasksShared;
  readonly deadline: number;
  readonly timing: Timing;
  readonly options: StopTasksOptions;
  readonly waitTimeoutMs: number;
}

/** What the resume sweep needs to continue task-by-task replacements until `deadline`. */
export function tasksContinuation(
  ecs: ECSClient,
  pacingMs: number,
  deadline: number,
  clock: () => number,
): Omit<ContinueTasks, "waitTimeoutMs"> {
  const timing = { ...DEFAULT_TIMING, clock };
  const options = { pacingMs, reason: STOP_REASON };
  const shared = {
    taskDefinitions: taskDefinitionReader(ecs),
    tasks: createTaskPoller(ecs, timing),
  };
  return { shared, deadline, timing, options };
}

/**
 * Continue a stop-tasks entry within this invocation: replace the tasks still listed, one by
 * one as before. What the invocation's end cuts short stays in flight, with fewer tasks left.
 */
export async function continueStopTasks(
  ecs: ECSClient,
  entry: InFlightService,
  target: PlannedService,
  cont: ContinueTasks,
): Promise<InFlightVerdict> {
  const before = entry.tasks ?? { remaining: [], replaced: 0, total: 0 };
  const { clock } = cont.timing;
  const deadline = Math.min(cont.deadline, entry.startedAt + cont.waitTimeoutMs);
  const only = { ...cont.options, only: before.remaining };
  let r: StopTasksResult;
  try {
    r = await replaceTasks(ecs, cont.shared, target, deadline, cont.timing, only);
  } catch (error) {
    r = { outcome: "failed", tasksReplaced: 0, tasksTotal: 0, detail: describeError(error, []) };
  }
  const replaced = before.replaced + r.tasksReplaced;
  const counts = { tasksReplaced: replaced, tasksTotal: before.total };
  const detail = `${r.detail} (${replaced} of ${before.total} replaced since the rotation)`;
  if (r.outcome !== "timed-out") return settled(entry, clock(), r.outcome, detail, counts);
  const remaining = r.remaining ?? [];
  const next = { ...entry, tasks: { remaining, replaced, total: before.total }, detail };
  if (deadline < cont.deadline) return settled(entry, clock(), "timed-out", detail, counts);
  return { kind: "in-flight", entry: next };
}
