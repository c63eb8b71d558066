/**
 * Refresh the ECS services that read the secret, so running tasks pick up the new value: ECS
 * injects SSM parameters only when a task starts (docs/design.md §Data flow, step 6).
 *
 * Each planned service gets its restart method (rolling or stop-tasks), runs with at most
 * `concurrency` others, and is waited for until it is verified, failed, rolled back, or out of
 * time. Time is bounded twice: by the configured wait timeout per service, and by the
 * Lambda's remaining time minus a margin that leaves room to delete the pending parameter,
 * notify and flush metrics. The waits of one refresh share its pollers (poller.ts), so services
 * in flight together are described together. A failing service never stops the others: every one is attempted
 * and reported.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import { hasRefreshTargets, type Config } from "../config";
import {
  REFRESH_SAFETY_MARGIN_MS,
  type InFlightService,
  type PlannedService,
  type RefreshReport,
  type RefreshRequest,
  type RotationLogger,
  type ServiceRefresh,
  type ServiceRefresher,
} from "../core/ports";
import { describeError } from "../redact";
import { reportOrHandOver } from "./in-flight";
import { planRefresh, type RefreshSettings } from "./plan";
import { mapWithConcurrency } from "./pool";
import { rollService } from "./rolling";
import { logServiceRefresh } from "./service-line";
import { createServicePoller, type ServicePoller } from "./services";
import { replaceTasks, STOP_REASON, type StopTasksShared } from "./stop-tasks";
import { taskDefinitionReader } from "./task-definitions";
import { createTaskPoller } from "./tasks";
import { DEFAULT_TIMING, type Timing } from "./wait";

export type { RefreshSettings } from "./plan";

export interface RefresherOptions {
  readonly logger?: RotationLogger;
  readonly timing?: Partial<Timing>;
  readonly safetyMarginMs?: number;
}

/** The refresh's settings from the Lambda's configuration. */
export function refreshSettings(config: Config): RefreshSettings {
  const { password, databaseUrl, username } = config.parameters;
  // Every parameter a rotation writes that an application may read as a secret; with
  // SECRET_STORE=secretsmanager, the one secret (task-definitions.ts matches its ARN forms).
  const rotatedParameters =
    config.secretStore.kind === "secretsmanager"
      ? [config.secretStore.secretArn]
      : [password, databaseUrl, username].filter((p) => p !== undefined);
  return { ...config.ecs, ...config.refresh, rotatedParameters };
}

const NOTHING_TO_REFRESH = { services: [], problems: [] } as const;

const silent: RotationLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createServiceRefresher(
  ecs: ECSClient,
  settings: RefreshSettings,
  options: RefresherOptions = {},
): ServiceRefresher {
  const timing: Timing = { ...DEFAULT_TIMING, ...options.timing };
  const logger = options.logger ?? silent;
  const margin = options.safetyMarginMs ?? REFRESH_SAFETY_MARGIN_MS;
  const hasTargets = hasRefreshTargets(settings);
  const stopTasks = { pacingMs: settings.pacingMs, reason: STOP_REASON };

  /** `taskDefinitions` caches each task definition read, for the refresh that follows. */
  const plan = async (taskDefinitions = taskDefinitionReader(ecs)) =>
    hasTargets ? planRefresh(ecs, taskDefinitions, settings) : NOTHING_TO_REFRESH;

  /** What the services of one refresh share: task definitions read, and the pollers. */
  interface RefreshShared extends StopTasksShared {
    readonly services: ServicePoller;
  }

  async function refreshOne(
    target: PlannedService,
    end: number,
    shared: RefreshShared,
    inFlight: InFlightService[],
  ): Promise<ServiceRefresh> {
    const started = timing.clock();
    const base = {
      service: target.service,
      cluster: target.cluster,
      restartMethod: target.restartMethod,
    };
    const fields = {
      step: "refresh",
      ecsService: target.service,
      cluster: target.cluster,
      restartMethod: target.restartMethod,
    };
    let result: ServiceRefresh;
    if (target.problem !== undefined || target.restartMethod === undefined) {
      result = {
        ...base,
        outcome: "failed",
        ok: false,
        durationMs: 0,
        detail: target.problem ?? "no restart method",
      };
    } else {
      logger.info("service refresh started", { ...fields, outcome: "started" });
      const deadline = Math.min(started + settings.waitTimeoutMs, end);
      try {
        const r =
          target.restartMethod === "rolling"
            ? await rollService(ecs, shared.services, target, deadline)
            : await replaceTasks(ecs, shared, target, deadline, timing, stopTasks);
        // In-flight refresh: cut short by the invocation's end, not by its own wait timeout.
        const cut = { startedAt: started, now: timing.clock(), byInvocationEnd: deadline === end };
        result = reportOrHandOver(target, r, cut, inFlight);
      } catch (error) {
        result = {
          ...base,
          outcome: "failed",
          ok: false,
          durationMs: timing.clock() - started,
          detail: describeError(error, []),
        };
      }
    }
    logServiceRefresh(logger, result);
    return result;
  }

  return {
    plan,
    async refresh(request: RefreshRequest): Promise<RefreshReport> {
      const taskDefinitions = taskDefinitionReader(ecs);
      const planned = await plan(taskDefinitions);
      for (const problem of planned.problems) {
        logger.error(problem, { step: "refresh", outcome: "discovery-failed" });
      }
      const end = request.deadline - margin;
      const shared: RefreshShared = {
        taskDefinitions,
        services: createServicePoller(ecs, timing),
        tasks: createTaskPoller(ecs, timing),
      };
      const inFlight: InFlightService[] = [];
      const services = await mapWithConcurrency(planned.services, settings.concurrency, (target) =>
        refreshOne(target, end, shared, inFlight),
      );
      return { services, problems: planned.problems, inFlight };
    },
  };
}
