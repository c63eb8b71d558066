/**
 * Refresh the ECS services that read the secret, so running tasks pick up the new value: ECS
 * injects SSM parameters only when a task starts (DESIGN step 6).
 *
 * Each planned service gets its strategy (rolling or stop-tasks), runs with at most
 * `concurrency` others, and is waited for until it is verified, failed, rolled back, or out of
 * time. Time is bounded twice: by the configured wait timeout per service, and by the
 * Lambda's remaining time minus a margin that leaves room to delete the pending parameter,
 * notify and flush metrics. A failing service never stops the others: every one is attempted
 * and reported.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { Config } from "../config";
import { describeError } from "../errors";
import type { LogFields, RotationLogger } from "../observability";
import { planRefresh, type RefreshSettings } from "./plan";
import { mapWithConcurrency } from "./pool";
import { rollService } from "./rolling";
import { replaceTasks } from "./stop-tasks";
import { taskDefinitionReader } from "./task-definitions";
import type {
  PlannedService,
  RefreshReport,
  RefreshRequest,
  ServiceRefresh,
  ServiceRefresher,
} from "./types";
import { DEFAULT_TIMING, type Timing } from "./wait";

export type { RefreshSettings } from "./plan";
export type * from "./types";

/** Time kept back from the Lambda's deadline to finish the run and report it. */
export const DEFAULT_SAFETY_MARGIN_MS = 10_000;

const STOP_REASON =
  "Secret rotated by rds-secret-rotation: replacing the task so that it reads the new value";

export interface RefresherOptions {
  readonly logger?: RotationLogger;
  readonly timing?: Partial<Timing>;
  readonly safetyMarginMs?: number;
}

/** The refresh's settings from the Lambda's configuration. */
export function refreshSettings(config: Config): RefreshSettings {
  const { password, databaseUrl, username } = config.parameters;
  return {
    cluster: config.ecs.cluster,
    services: config.ecs.services,
    discoveryClusters: config.refresh.discoveryClusters,
    // Every parameter a rotation writes that an application may read as a secret.
    rotatedParameters: [password, databaseUrl, username].filter((p): p is string => !!p),
    strategy: config.refresh.strategy,
    serviceStrategies: config.refresh.serviceStrategies,
    concurrency: config.refresh.concurrency,
    waitTimeoutMs: config.refresh.waitTimeoutMs,
    pacingMs: config.refresh.pacingMs,
  };
}

/** Whether there is anything to refresh: listed services of a cluster, or clusters to search. */
export function hasRefreshTargets(
  settings: Pick<RefreshSettings, "cluster" | "services" | "discoveryClusters">,
): boolean {
  return (
    (settings.cluster !== undefined && settings.services.length > 0) ||
    settings.discoveryClusters.length > 0
  );
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
  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  const hasTargets = hasRefreshTargets(settings);

  /** `taskDefinitions` caches each task definition read, for the refresh that follows. */
  const plan = async (taskDefinitions = taskDefinitionReader(ecs)) =>
    hasTargets ? planRefresh(ecs, taskDefinitions, settings) : NOTHING_TO_REFRESH;

  async function refreshOne(
    target: PlannedService,
    end: number,
    taskDefinitions: ReturnType<typeof taskDefinitionReader>,
  ): Promise<ServiceRefresh> {
    const started = timing.clock();
    const base = { service: target.service, cluster: target.cluster, strategy: target.strategy };
    const fields = {
      step: "refresh",
      ecsService: target.service,
      cluster: target.cluster,
      strategy: target.strategy,
    };
    let result: ServiceRefresh;
    if (target.problem !== undefined || target.strategy === undefined) {
      result = {
        ...base,
        outcome: "failed",
        ok: false,
        durationMs: 0,
        detail: target.problem ?? "no strategy",
      };
    } else {
      logger.info("service refresh started", { ...fields, outcome: "started" });
      const deadline = Math.min(started + settings.waitTimeoutMs, end);
      try {
        const r =
          target.strategy === "rolling"
            ? await rollService(ecs, target, deadline, timing)
            : await replaceTasks(ecs, taskDefinitions, target, deadline, timing, {
                pacingMs: settings.pacingMs,
                reason: STOP_REASON,
              });
        result = {
          ...base,
          ...r,
          ok: r.outcome === "completed",
          durationMs: timing.clock() - started,
        };
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
    const { service: _s, cluster: _c, strategy: _st, ok: _ok, ...reported } = result;
    const line: LogFields = { ...fields, ...reported };
    if (result.ok) logger.info(`service refresh ${result.outcome}`, line);
    else logger.error(`service refresh ${result.outcome}`, line);
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
      const services = await mapWithConcurrency(planned.services, settings.concurrency, (target) =>
        refreshOne(target, end, taskDefinitions),
      );
      return { services, problems: planned.problems };
    },
  };
}

/** Why a refresh report fails the run, and what the operator does about it; undefined when it does not. */
export function refreshFailure(
  report: RefreshReport,
): { readonly problem: string; readonly action: string } | undefined {
  const failed = report.services.filter((s) => !s.ok);
  if (failed.length === 0 && report.problems.length === 0) return undefined;
  const parts = [
    ...(failed.length > 0
      ? [
          `${failed.length} of ${report.services.length} ECS service(s) not refreshed: ${failed
            .map((s) => `${s.cluster}/${s.service} ${s.outcome} (${s.detail})`)
            .join("; ")}`,
        ]
      : []),
    ...report.problems,
  ];
  const actions = failed.map((s) => {
    if (s.strategy === "rolling") {
      return `aws ecs update-service --cluster ${s.cluster} --service ${s.service} --force-new-deployment`;
    }
    if (s.strategy === "stop-tasks") {
      return `stop the remaining tasks of ${s.cluster}/${s.service} one by one (aws ecs list-tasks --cluster ${s.cluster} --service-name ${s.service}; aws ecs stop-task --cluster ${s.cluster} --task <arn>)`;
    }
    return `fix ${s.cluster}/${s.service} as described`;
  });
  return {
    problem: parts.join("; "),
    action: `tasks started before the rotation hold the previous value until they restart: ${[
      ...actions,
      ...(report.problems.length > 0 ? ["fix the discovery problem(s) and run a dry run"] : []),
    ].join("; ")}`,
  };
}
