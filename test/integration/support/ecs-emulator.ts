/**
 * ECS in moto for the refresh tests: task definitions that read parameters as secrets,
 * services on either deployment controller, tasks, and a stand-in for the ECS service
 * scheduler. moto never starts a service's tasks and never replaces a stopped one
 * (EMULATOR.md), so `TaskScheduler` does what ECS does for a CODE_DEPLOY service: it keeps
 * `desiredCount` tasks of group `service:<name>` running, starting a replacement (RunTask)
 * some time after one stops. Everything else is moto answering the real AWS SDK.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type ECSClient,
  type Task,
} from "@aws-sdk/client-ecs";

/** moto's task status advances one step per DescribeTasks by default; hold it at RUNNING. */
export async function holdTasksRunning(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: "POST",
    body: JSON.stringify({
      model_name: "ecs::task",
      transition: { progression: "manual", times: 1_000_000_000 },
    }),
  });
  if (!response.ok) throw new Error(`moto set-transition answered ${response.status}`);
}

/**
 * moto's whole state as JSON (its /moto-api/data.json), e.g. SNS sent_notifications. moto
 * builds it from its live model registries, without a lock, while other tests write to the
 * shared server: an error answer is asked again a few times, then reported with its status
 * and body (not as a JSON parse error of an HTML page).
 */
export async function motoState(
  endpoint: string,
): Promise<Record<string, Record<string, unknown[]>>> {
  let last = "";
  for (const delay of [0, 50, 100, 200, 400]) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    const response = await fetch(`${endpoint}/moto-api/data.json`);
    if (response.ok) return (await response.json()) as Record<string, Record<string, unknown[]>>;
    last = `${response.status} ${(await response.text()).slice(0, 200)}`;
  }
  throw new Error(`moto /moto-api/data.json kept failing: ${last}`);
}

export async function registerTaskDefinition(
  ecs: ECSClient,
  family: string,
  secrets: ReadonlyArray<{ name: string; valueFrom: string }>,
): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [
        {
          name: "app",
          image: "public.ecr.aws/nginx/nginx:stable",
          memory: 128,
          secrets: secrets.map((s) => ({ ...s })),
        },
      ],
    }),
  );
  return taskDefinition?.taskDefinitionArn ?? "";
}

export interface ServiceSpec {
  readonly name: string;
  readonly taskDefinition: string;
  readonly controller?: "ECS" | "CODE_DEPLOY";
  /** moto (MOTO_ECS_SERVICE_RUNNING=1) completes a rollout only with desiredCount 1. */
  readonly desiredCount?: number;
  /** Tasks to start for the service (CODE_DEPLOY: ECS would run them from its task set). */
  readonly tasks?: number;
  /** A Fargate service in these subnets and security groups, as most real ones are. */
  readonly awsvpc?: {
    readonly subnets: readonly string[];
    readonly securityGroups: readonly string[];
  };
}

export async function createCluster(ecs: ECSClient, cluster: string): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
}

export async function createService(ecs: ECSClient, cluster: string, spec: ServiceSpec) {
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: spec.name,
      taskDefinition: spec.taskDefinition,
      desiredCount: spec.desiredCount ?? 1,
      deploymentController: { type: spec.controller ?? "ECS" },
      ...(spec.awsvpc
        ? {
            launchType: "FARGATE",
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: [...spec.awsvpc.subnets],
                securityGroups: [...spec.awsvpc.securityGroups],
              },
            },
          }
        : {}),
    }),
  );
  if (spec.tasks) await runServiceTasks(ecs, cluster, spec.name, spec.taskDefinition, spec.tasks);
}

export async function runServiceTasks(
  ecs: ECSClient,
  cluster: string,
  service: string,
  taskDefinition: string,
  count: number,
): Promise<void> {
  await ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition,
      launchType: "FARGATE",
      count,
      // What ECS sets on a service's tasks.
      group: `service:${service}`,
      startedBy: "ecs-svc/test-scheduler",
    }),
  );
}

/** Every task of the cluster that has `group: service:<service>` (moto ignores serviceName). */
export async function tasksOf(ecs: ECSClient, cluster: string, service: string): Promise<Task[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster }));
  const stopped = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: "STOPPED" }));
  const arns = [...new Set([...taskArns, ...(stopped.taskArns ?? [])])];
  if (arns.length === 0) return [];
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const out = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }),
    );
    tasks.push(...(out.tasks ?? []));
  }
  return tasks.filter((t) => t.group === `service:${service}`);
}

export async function primaryDeployment(
  ecs: ECSClient,
  cluster: string,
  service: string,
): Promise<string | undefined> {
  const { services = [] } = await ecs.send(
    new DescribeServicesCommand({ cluster, services: [service] }),
  );
  return services[0]?.deployments?.find((d) => d.status === "PRIMARY")?.id;
}

/** Records each command an SDK client sends, with its input. */
export function recordCommands(client: ECSClient): Array<{ command: string; input: unknown }> {
  const calls: Array<{ command: string; input: unknown }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: context.commandName ?? "?", input: args.input });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return calls;
}

/** Stands in for ECS's service scheduler: replaces each stopped task after `delayMs`. */
export class TaskScheduler {
  private readonly watched: Array<{
    cluster: string;
    service: string;
    taskDefinition: string;
    desired: number;
  }> = [];
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly ecs: ECSClient,
    private readonly delayMs: number,
  ) {}

  watch(cluster: string, service: string, taskDefinition: string, desired: number): void {
    this.watched.push({ cluster, service, taskDefinition, desired });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.tick = this.tick.then(() => this.reconcile()).catch(() => undefined);
    }, 50);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tick;
  }

  private async reconcile(): Promise<void> {
    for (const w of this.watched) {
      const running = (await tasksOf(this.ecs, w.cluster, w.service)).filter(
        (t) => t.desiredStatus === "RUNNING",
      ).length;
      const key = `${w.cluster}/${w.service}`;
      if (running >= w.desired) {
        this.missingSince.delete(key);
        continue;
      }
      const since = this.missingSince.get(key) ?? Date.now();
      this.missingSince.set(key, since);
      if (Date.now() - since >= this.delayMs) {
        await runServiceTasks(
          this.ecs,
          w.cluster,
          w.service,
          w.taskDefinition,
          w.desired - running,
        );
        this.missingSince.delete(key);
      }
    }
  }
}
