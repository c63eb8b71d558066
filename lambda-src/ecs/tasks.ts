/**
 * The tasks of a service: ListTasks (all pages) then DescribeTasks (at most 100 per call); and
 * the poller that looks for new tasks of every service being replaced task by task, with one
 * DescribeTasks per hundred new tasks of a cluster rather than one per service.
 */
import {
  DescribeTasksCommand,
  paginateListTasks,
  type ECSClient,
  type Task,
} from "@aws-sdk/client-ecs";
import { createBatchPoller, type BatchPoller } from "./poller";
import type { Timing } from "./wait";

/** DescribeTasks accepts at most this many tasks per call. */
export const DESCRIBE_TASKS_LIMIT = 100;

/** The ARNs of the tasks ECS wants running for `service`, every page. */
async function listTaskArns(ecs: ECSClient, cluster: string, service: string): Promise<string[]> {
  const arns: string[] = [];
  const pages = paginateListTasks(
    { client: ecs, pageSize: 100 },
    { cluster, serviceName: service, desiredStatus: "RUNNING" },
  );
  for await (const page of pages) arns.push(...(page.taskArns ?? []));
  return arns;
}

async function describeTasks(ecs: ECSClient, cluster: string, arns: readonly string[]) {
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_LIMIT) {
    const out = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_TASKS_LIMIT) }),
    );
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

/**
 * Tasks a service starts carry the group `service:<name>`; checking it as well keeps another
 * service's tasks out when an emulator ignores ListTasks' serviceName filter (moto does).
 */
const ofService = (tasks: readonly Task[], service: string) =>
  tasks.filter(
    (task) =>
      task.desiredStatus === "RUNNING" &&
      (task.group === undefined || task.group === `service:${service}`),
  );

/** The tasks ECS wants running for `service` (desiredStatus RUNNING), described. */
export async function serviceTasks(
  ecs: ECSClient,
  cluster: string,
  service: string,
): Promise<Task[]> {
  return ofService(
    await describeTasks(ecs, cluster, await listTaskArns(ecs, cluster, service)),
    service,
  );
}

export interface NewTasksQuery {
  readonly cluster: string;
  readonly service: string;
  /** Tasks already accounted for: not described again. */
  readonly known: ReadonlySet<string | undefined>;
}

/** The service's RUNNING-desired tasks that are not `known`, described. */
export type TaskPoller = BatchPoller<NewTasksQuery, Task[]>;

/**
 * At each tick: ListTasks for each due service (ECS filters by one service per call), then
 * the new tasks of the whole cluster described together, a hundred per call.
 */
export function createTaskPoller(ecs: ECSClient, timing: Timing): TaskPoller {
  return createBatchPoller<NewTasksQuery, Task[]>(
    timing,
    (query) => query.cluster,
    async (queries) => {
      const cluster = queries[0]?.cluster ?? "";
      const listed = await Promise.all(queries.map((q) => listTaskArns(ecs, cluster, q.service)));
      const fresh = listed.map((arns, i) => arns.filter((arn) => !queries[i]?.known.has(arn)));
      const described = await describeTasks(ecs, cluster, [...new Set(fresh.flat())]);
      const byArn = new Map(described.map((task) => [task.taskArn, task]));
      return queries.map((query, i) =>
        ofService(
          (fresh[i] ?? []).flatMap((arn) => byArn.get(arn) ?? []),
          query.service,
        ),
      );
    },
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
