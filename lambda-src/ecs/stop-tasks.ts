/**
 * The `stop-tasks` restart method, for services UpdateService cannot redeploy (CODE_DEPLOY and
 * EXTERNAL controllers): stop one running task, wait until ECS has started a replacement that
 * is RUNNING (and HEALTHY when the task definition has health checks), pause for the pacing
 * interval, then the next one. One at a time, so the service never loses more than one task's
 * capacity; each replacement starts after the new value was published, so it reads it.
 */
import { StopTaskCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { describeError } from "../redact";
import { healthCheckedContainers, type TaskDefinitionReader } from "./task-definitions";
import { isReady, serviceTasks, type TaskPoller } from "./tasks";
import type { PlannedService } from "../core/ports";
import type { Timing } from "./wait";

/** Shown in the console and in DescribeTasks as each stopped task's stoppedReason. */
export const STOP_REASON =
  "Secret rotated by rds-secret-rotation: replacing the task so that it reads the new value";

export interface StopTasksResult {
  /** failed: ECS refused a call once the replacement had begun; see `tasksReplaced`. */
  readonly outcome: "completed" | "timed-out" | "failed";
  readonly tasksReplaced: number;
  readonly tasksTotal: number;
  readonly detail: string;
  /** timed-out: the tasks not stopped yet (ARNs), for the in-flight record (./in-flight.ts). */
  readonly remaining?: readonly string[];
}

export interface StopTasksOptions {
  readonly pacingMs: number;
  /** Shown in the console and in DescribeTasks as stoppedReason. */
  readonly reason: string;
  /** Continue an in-flight refresh: replace only these of the running tasks (ARNs). */
  readonly only?: readonly string[];
}

const taskId = (arn: string | undefined) => arn?.split("/").at(-1) ?? "?";

/** Shared by the services of one refresh: the task definitions read, and the task poller. */
export interface StopTasksShared {
  readonly taskDefinitions: TaskDefinitionReader;
  readonly tasks: TaskPoller;
}

interface Wait {
  readonly poller: TaskPoller;
  readonly deadline: number;
  readonly reason: string;
}

/** Stop `task` and wait until a task not in `known` is ready; undefined when time ran out. */
async function replaceOne(
  ecs: ECSClient,
  target: PlannedService,
  task: Task,
  known: ReadonlySet<string | undefined>,
  healthChecked: readonly string[],
  wait: Wait,
): Promise<Task | undefined> {
  const { cluster, service } = target;
  await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn, reason: wait.reason }));
  return wait.poller.until(
    { cluster, service, known },
    (fresh) => {
      const ready = fresh.find((t) => isReady(t, healthChecked));
      return ready ? { done: true, value: ready } : { done: false };
    },
    wait.deadline,
  );
}

export async function replaceTasks(
  ecs: ECSClient,
  shared: StopTasksShared,
  target: PlannedService,
  deadline: number,
  timing: Timing,
  options: StopTasksOptions,
): Promise<StopTasksResult> {
  const healthChecked = target.taskDefinition
    ? healthCheckedContainers(await shared.taskDefinitions.describe(target.taskDefinition))
    : [];
  const ready = healthChecked.length > 0 ? "RUNNING and HEALTHY" : "RUNNING";
  const running = await serviceTasks(ecs, target.cluster, target.service);
  const only = options.only === undefined ? undefined : new Set(options.only);
  const initial = only ? running.filter((t) => only.has(t.taskArn ?? "")) : running;
  const total = initial.length;
  let replaced = 0;
  let next = 0;
  const ended = (outcome: StopTasksResult["outcome"], detail: string): StopTasksResult => ({
    outcome,
    tasksReplaced: replaced,
    tasksTotal: total,
    detail,
    ...(outcome === "timed-out"
      ? { remaining: initial.slice(next).flatMap((t) => t.taskArn ?? []) }
      : {}),
  });
  // Tasks that were running before we started, or that we already counted as a replacement.
  const known = new Set(running.map((task) => task.taskArn));
  const wait: Wait = { poller: shared.tasks, deadline, reason: options.reason };
  if (total === 0) return ended("completed", "no running tasks");
  try {
    for (const task of initial) {
      const soFar = `replaced ${replaced} of ${total}`;
      if (timing.clock() >= deadline) {
        return ended("timed-out", `${soFar} task(s); no time left to stop the next one`);
      }
      const replacement = await replaceOne(ecs, target, task, known, healthChecked, wait);
      next++;
      if (!replacement) {
        const stopped = `stopped task ${taskId(task.taskArn)}`;
        return ended("timed-out", `${stopped}, but no replacement was ${ready} in time (${soFar})`);
      }
      known.add(replacement.taskArn);
      replaced++;
      if (replaced < total && options.pacingMs > 0) {
        await timing.sleep(Math.max(0, Math.min(options.pacingMs, deadline - timing.clock())));
      }
    }
  } catch (error) {
    // A half-done replacement must say how far it got: the rest still hold the old value.
    const refused = `then ECS refused: ${describeError(error, [])}`;
    return ended("failed", `replaced ${replaced} of ${total} task(s), ${refused}`);
  }
  return ended("completed", `replaced ${replaced} of ${total} task(s), each by one ${ready}`);
}
