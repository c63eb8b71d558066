/**
 * The tasks of one service: ListTasks (all pages) then DescribeTasks (at most 100 per call).
 */
import {
  DescribeTasksCommand,
  paginateListTasks,
  type ECSClient,
  type Task,
} from "@aws-sdk/client-ecs";

/** DescribeTasks accepts at most this many tasks per call. */
export const DESCRIBE_TASKS_LIMIT = 100;

/**
 * The tasks ECS wants running for `service` (desiredStatus RUNNING), described. Tasks a
 * service starts carry the group `service:<name>`; checking it as well keeps another
 * service's tasks out when an emulator ignores the serviceName filter (moto does).
 */
export async function serviceTasks(
  ecs: ECSClient,
  cluster: string,
  service: string,
): Promise<Task[]> {
  const arns: string[] = [];
  const pages = paginateListTasks(
    { client: ecs, pageSize: 100 },
    { cluster, serviceName: service, desiredStatus: "RUNNING" },
  );
  for await (const page of pages) arns.push(...(page.taskArns ?? []));
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_LIMIT) {
    const out = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_TASKS_LIMIT) }),
    );
    tasks.push(...(out.tasks ?? []));
  }
  return tasks.filter(
    (task) =>
      task.desiredStatus === "RUNNING" &&
      (task.group === undefined || task.group === `service:${service}`),
  );
}

/**
 * Running, and healthy where it matters: when the task definition has container health
 * checks, ECS reports the task HEALTHY only once they pass (a load balancer would route to
 * it). Without a task-level status (some emulators), every checked container must be HEALTHY.
 */
export function isReady(task: Task, healthChecked: readonly string[]): boolean {
  if (task.lastStatus !== "RUNNING") return false;
  if (healthChecked.length === 0) return true;
  if (task.healthStatus !== undefined) return task.healthStatus === "HEALTHY";
  return healthChecked.every(
    (name) => task.containers?.find((c) => c.name === name)?.healthStatus === "HEALTHY",
  );
}
