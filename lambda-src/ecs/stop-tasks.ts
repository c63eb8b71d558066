/**
 * The `stop-tasks` strategy, for services UpdateService cannot redeploy (CODE_DEPLOY and
 * EXTERNAL controllers): stop one running task, wait until ECS has started a replacement that
 * is RUNNING (and HEALTHY when the task definition has health checks), pause for the pacing
 * interval, then the next one. One at a time, so the service never loses more than one task's
 * capacity; each replacement starts after the new value was published, so it reads it.
 */
import { StopTaskCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { describeError } from "../errors";
import { healthCheckedContainers, type TaskDefinitionReader } from "./task-definitions";
import { isReady, serviceTasks } from "./tasks";
import type { PlannedService } from "./types";
import { pollUntil, type Timing } from "./wait";

export interface StopTasksResult {
  /** failed: ECS refused a call once the replacement had begun; see `tasksReplaced`. */
  readonly outcome: "completed" | "timed-out" | "failed";
  readonly tasksReplaced: number;
  readonly tasksTotal: number;
  readonly detail: string;
}

export interface StopTasksOptions {
  readonly pacingMs: number;
  /** Shown in the console and in DescribeTasks as stoppedReason. */
  readonly reason: string;
}

const taskId = (arn: string | undefined) => arn?.split("/").at(-1) ?? "?";

export async function replaceTasks(
  ecs: ECSClient,
  taskDefinitions: TaskDefinitionReader,
  target: PlannedService,
  deadline: number,
  timing: Timing,
  options: StopTasksOptions,
): Promise<StopTasksResult> {
  const { cluster, service } = target;
  const healthChecked = target.taskDefinition
    ? healthCheckedContainers(await taskDefinitions.describe(target.taskDefinition))
    : [];
  const ready = healthChecked.length > 0 ? "RUNNING and HEALTHY" : "RUNNING";
  const initial = await serviceTasks(ecs, cluster, service);
  const total = initial.length;
  if (total === 0) {
    return { outcome: "completed", tasksReplaced: 0, tasksTotal: 0, detail: "no running tasks" };
  }
  // Tasks that were running before we started, or that we already counted as a replacement.
  const known = new Set(initial.map((task) => task.taskArn));
  let replaced = 0;
  try {
    for (const task of initial) {
      if (timing.clock() >= deadline) {
        return {
          outcome: "timed-out",
          tasksReplaced: replaced,
          tasksTotal: total,
          detail: `replaced ${replaced} of ${total} task(s); no time left to stop the next one`,
        };
      }
      await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn, reason: options.reason }));
      const replacement = await pollUntil(
        async () => {
          const fresh = (await serviceTasks(ecs, cluster, service)).find(
            (t) => !known.has(t.taskArn) && isReady(t, healthChecked),
          );
          return fresh ? { done: true, value: fresh } : { done: false };
        },
        deadline,
        timing,
      );
      if (!replacement) {
        return {
          outcome: "timed-out",
          tasksReplaced: replaced,
          tasksTotal: total,
          detail: `stopped task ${taskId(task.taskArn)}, but no replacement was ${ready} in time (replaced ${replaced} of ${total})`,
        };
      }
      known.add(replacement.taskArn);
      replaced++;
      if (replaced < total && options.pacingMs > 0) {
        await timing.sleep(Math.max(0, Math.min(options.pacingMs, deadline - timing.clock())));
      }
    }
  } catch (error) {
    // A half-done replacement must say how far it got: the rest still hold the old value.
    return {
      outcome: "failed",
      tasksReplaced: replaced,
      tasksTotal: total,
      detail: `replaced ${replaced} of ${total} task(s), then ECS refused: ${describeError(error, [])}`,
    };
  }
  return {
    outcome: "completed",
    tasksReplaced: replaced,
    tasksTotal: total,
    detail: `replaced ${replaced} of ${total} task(s), each by one ${ready}`,
  };
}
