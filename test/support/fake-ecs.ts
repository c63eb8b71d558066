/**
 * An in-process ECS for the states the emulator cannot produce (EMULATOR.md): deployments
 * that take time and then complete, fail or get rolled back by the circuit breaker; services
 * that replace stopped tasks after a delay and report health; list APIs that really page.
 * It answers the AWS SDK through aws-sdk-client-mock, so the code under test makes the same
 * calls it makes against AWS. Time is Date.now(): real in the benchmark, jest's fake timers in
 * unit tests. It also checks the API limits a real ECS enforces (10 services per
 * DescribeServices, 100 tasks per DescribeTasks).
 */
import {
  AccessDeniedException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  ClusterNotFoundException,
  ServiceNotFoundException,
  StopTaskCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type Deployment,
  type Service,
  type Task,
} from "@aws-sdk/client-ecs";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/** How a service behaves when the refresh touches it. */
export interface ServiceBehaviour {
  /** ms from UpdateService until the deployment reaches its end state. */
  readonly deployMs?: number;
  /** How a rolling deployment ends (default COMPLETED). */
  readonly deploymentEnds?: "COMPLETED" | "FAILED" | "ROLLED_BACK" | "NEVER";
  /** ms from StopTask until the replacement is RUNNING; undefined: no replacement ever starts. */
  readonly replacementMs?: number | undefined;
  /** ms from RUNNING until the replacement's health checks pass. */
  readonly healthyAfterMs?: number;
  /** The replacement never passes its health checks. */
  readonly unhealthy?: boolean;
  /** ECS refuses StopTask (AccessDenied) once this many of the service's tasks were stopped. */
  readonly stopTaskRefusedAfter?: number;
}

export interface FakeServiceSpec extends ServiceBehaviour {
  readonly cluster: string;
  readonly name: string;
  readonly controller?: "ECS" | "CODE_DEPLOY" | "EXTERNAL";
  readonly status?: "ACTIVE" | "DRAINING";
  readonly desiredCount?: number;
  readonly taskDefinition: string;
}

export interface FakeTaskDefinitionSpec {
  readonly family: string;
  readonly secrets?: ReadonlyArray<{ name: string; valueFrom: string }>;
  readonly healthCheck?: boolean;
}

interface FakeDeployment {
  id: string;
  status: "PRIMARY" | "ACTIVE";
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  reason: string;
  createdAt: number;
  endsAt: number;
  ends: NonNullable<ServiceBehaviour["deploymentEnds"]>;
  desiredCount: number;
}

interface FakeService {
  readonly spec: FakeServiceSpec;
  readonly arn: string;
  deployments: FakeDeployment[];
  events: Array<{ message: string; createdAt: number }>;
}

interface FakeTask {
  readonly arn: string;
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinition: string;
  desiredStatus: "RUNNING" | "STOPPED";
  stoppedAt: number | undefined;
  readonly runningAt: number;
  readonly healthyAt: number | undefined;
}

let counter = 0;
const nextId = () => `${++counter}`.padStart(6, "0");

export class FakeEcs {
  readonly mock: AwsClientStub<ECSClient>;
  readonly services = new Map<string, FakeService>();
  readonly tasks: FakeTask[] = [];
  readonly taskDefinitions = new Map<string, ContainerDefinition[]>();
  /** Each call, for assertions on order, batching and pacing. */
  readonly calls: Array<{ at: number; command: string; input: Record<string, unknown> }> = [];
  /** At each UpdateService / first StopTask: how many other refreshes were in progress. */
  readonly concurrentAtStart: number[] = [];
  private readonly stopping = new Set<string>();
  private readonly stopsPerService = new Map<string, number>();
  private readonly clusters = new Set<string>();

  constructor() {
    this.mock = mockClient(ECSClient);
    this.install();
  }

  restore(): void {
    this.mock.restore();
  }

  taskDefinition(spec: FakeTaskDefinitionSpec): string {
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${spec.family}:1`;
    this.taskDefinitions.set(arn, [
      {
        name: "app",
        image: "app:latest",
        secrets: spec.secrets?.map((s) => ({ ...s })),
        ...(spec.healthCheck ? { healthCheck: { command: ["CMD-SHELL", "true"] } } : {}),
      },
      { name: "sidecar", image: "proxy:latest" },
    ]);
    return arn;
  }

  /** An empty cluster; service() creates its cluster. Calls on other clusters fail as in ECS. */
  cluster(name: string): void {
    this.clusters.add(name);
  }

  private checkCluster(name: string): void {
    if (!this.clusters.has(name)) {
      throw new ClusterNotFoundException({ message: "Cluster not found.", $metadata: {} });
    }
  }

  service(spec: FakeServiceSpec): string {
    this.clusters.add(spec.cluster);
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${spec.cluster}/${spec.name}`;
    const now = Date.now();
    const desired = spec.desiredCount ?? 2;
    const controller = spec.controller ?? "ECS";
    this.services.set(arn, {
      spec,
      arn,
      events: [],
      deployments:
        controller === "ECS"
          ? [
              {
                id: `ecs-svc/initial-${nextId()}`,
                status: "PRIMARY",
                rolloutState: "COMPLETED",
                reason: "",
                createdAt: now - 3_600_000,
                endsAt: now,
                ends: "COMPLETED",
                desiredCount: desired,
              },
            ]
          : [],
    });
    for (let i = 0; i < desired; i++) this.startTask(spec, now - 3_600_000);
    return arn;
  }

  runningTasks(cluster: string, service: string): FakeTask[] {
    const now = Date.now();
    return this.tasks.filter(
      (t) =>
        t.cluster === cluster &&
        t.service === service &&
        t.desiredStatus === "RUNNING" &&
        t.runningAt <= now,
    );
  }

  commandsNamed(command: string) {
    return this.calls.filter((c) => c.command === command);
  }

  private startTask(spec: FakeServiceSpec, runningAt: number): FakeTask {
    const task: FakeTask = {
      arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${spec.cluster}/${nextId()}`,
      cluster: spec.cluster,
      service: spec.name,
      taskDefinition: spec.taskDefinition,
      desiredStatus: "RUNNING",
      stoppedAt: undefined,
      runningAt,
      healthyAt: spec.unhealthy ? undefined : runningAt + (spec.healthyAfterMs ?? 0),
    };
    this.tasks.push(task);
    return task;
  }

  private find(cluster: string, nameOrArn: string): FakeService | undefined {
    const name = nameOrArn.split("/").at(-1);
    return [...this.services.values()].find(
      (s) => s.spec.cluster === cluster && (s.arn === nameOrArn || s.spec.name === name),
    );
  }

  /** Moves deployments forward to `now`, as ECS would have. */
  private advance(service: FakeService, now: number): void {
    for (const d of [...service.deployments]) {
      if (d.rolloutState !== "IN_PROGRESS" || now < d.endsAt || d.ends === "NEVER") continue;
      // A deployment that a newer one replaced never completes: ECS drains it instead.
      if (d.status !== "PRIMARY") continue;
      if (d.ends === "COMPLETED") {
        d.rolloutState = "COMPLETED";
        d.reason = `ECS deployment ${d.id} completed.`;
        service.deployments = [d];
      } else if (d.ends === "FAILED") {
        d.rolloutState = "FAILED";
        d.reason = "ECS deployment circuit breaker: tasks failed to start.";
      } else {
        // Circuit breaker with rollback: ours FAILED and ACTIVE, a rollback deployment PRIMARY;
        // once the rollback completed ECS drops ours and only the events remember it.
        d.rolloutState = "FAILED";
        d.status = "ACTIVE";
        d.reason = "ECS deployment circuit breaker: rolling back to the previous deployment.";
        const rollback: FakeDeployment = {
          id: `ecs-svc/rollback-${nextId()}`,
          status: "PRIMARY",
          rolloutState: "IN_PROGRESS",
          reason: "",
          createdAt: now,
          endsAt: now + (service.spec.deployMs ?? 0),
          ends: "COMPLETED",
          desiredCount: d.desiredCount,
        };
        service.deployments = [rollback, d];
        service.events.unshift(
          {
            message: `(service ${service.spec.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`,
            createdAt: now,
          },
          { message: `(service ${service.spec.name}) rolling back to deployment`, createdAt: now },
        );
      }
    }
  }

  private describe(service: FakeService): Service {
    const now = Date.now();
    this.advance(service, now);
    const running = this.runningTasks(service.spec.cluster, service.spec.name).length;
    const toDeployment = (d: FakeDeployment): Deployment => ({
      id: d.id,
      status: d.status,
      rolloutState: d.rolloutState,
      rolloutStateReason: d.reason,
      createdAt: new Date(d.createdAt),
      desiredCount: d.desiredCount,
      runningCount: d.rolloutState === "COMPLETED" ? d.desiredCount : 0,
      taskDefinition: service.spec.taskDefinition,
    });
    const controller = service.spec.controller ?? "ECS";
    return {
      serviceArn: service.arn,
      serviceName: service.spec.name,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${service.spec.cluster}`,
      status: service.spec.status ?? "ACTIVE",
      desiredCount: service.spec.desiredCount ?? 2,
      runningCount: running,
      deploymentController: { type: controller },
      // EXTERNAL services have no service-level task definition, only task sets.
      ...(controller === "EXTERNAL"
        ? {
            taskSets: [
              { id: "ts-1", status: "PRIMARY", taskDefinition: service.spec.taskDefinition },
            ],
          }
        : { taskDefinition: service.spec.taskDefinition }),
      deployments: service.deployments.map(toDeployment),
      events: service.events.map((e) => ({ message: e.message, createdAt: new Date(e.createdAt) })),
    };
  }

  private inProgressCount(now: number): number {
    let count = 0;
    for (const service of this.services.values()) {
      this.advance(service, now);
      const rolling = service.deployments.some(
        (d) => d.rolloutState === "IN_PROGRESS" && d.ends !== "NEVER",
      );
      const replacing = this.tasks.some(
        (t) =>
          t.service === service.spec.name &&
          t.cluster === service.spec.cluster &&
          t.desiredStatus === "RUNNING" &&
          t.runningAt > now,
      );
      if (rolling || replacing) count++;
    }
    return count;
  }

  private record(command: string, input: object): number {
    const at = Date.now();
    this.calls.push({ at, command, input: { ...input } });
    return at;
  }

  private install(): void {
    this.mock
      .on(ListServicesCommand)
      .callsFake(async (input: { cluster: string; maxResults?: number; nextToken?: string }) => {
        this.record("ListServices", input);
        this.checkCluster(input.cluster);
        const arns = [...this.services.values()]
          .filter((s) => s.spec.cluster === input.cluster)
          .map((s) => s.arn);
        // ECS returns at most 10 per page unless asked for up to 100.
        return page(arns, Math.min(input.maxResults ?? 10, 100), input.nextToken, "serviceArns");
      });

    this.mock
      .on(DescribeServicesCommand)
      .callsFake(async (input: { cluster: string; services: string[] }) => {
        this.record("DescribeServices", input);
        this.checkCluster(input.cluster);
        if (input.services.length > 10) {
          throw new InvalidParameterException({
            message: "services can have at most 10 items.",
            $metadata: {},
          });
        }
        const services: Service[] = [];
        const failures: Array<{ arn: string; reason: string }> = [];
        for (const requested of input.services) {
          const found = this.find(input.cluster, requested);
          if (found) services.push(this.describe(found));
          else
            failures.push({
              arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${requested}`,
              reason: "MISSING",
            });
        }
        return { services, failures };
      });

    this.mock
      .on(UpdateServiceCommand)
      .callsFake(
        async (input: { cluster: string; service: string; forceNewDeployment?: boolean }) => {
          const now = this.record("UpdateService", input);
          const service = this.find(input.cluster, input.service);
          if (!service)
            throw new ServiceNotFoundException({ message: "Service not found.", $metadata: {} });
          if ((service.spec.controller ?? "ECS") !== "ECS") {
            throw new InvalidParameterException({
              message:
                "Unable to update task definition on services with a CODE_DEPLOY deployment controller.",
              $metadata: {},
            });
          }
          this.concurrentAtStart.push(this.inProgressCount(now));
          this.advance(service, now);
          for (const d of service.deployments) d.status = "ACTIVE";
          service.deployments.unshift({
            id: `ecs-svc/${nextId()}`,
            status: "PRIMARY",
            rolloutState: "IN_PROGRESS",
            reason: "",
            createdAt: now,
            endsAt: now + (service.spec.deployMs ?? 0),
            ends: service.spec.deploymentEnds ?? "COMPLETED",
            desiredCount: service.spec.desiredCount ?? 2,
          });
          return { service: this.describe(service) };
        },
      );

    this.mock
      .on(DescribeTaskDefinitionCommand)
      .callsFake(async (input: { taskDefinition: string }) => {
        this.record("DescribeTaskDefinition", input);
        const containers = this.taskDefinitions.get(input.taskDefinition);
        if (!containers)
          throw new InvalidParameterException({
            message: "Unable to describe task definition.",
            $metadata: {},
          });
        return {
          taskDefinition: {
            taskDefinitionArn: input.taskDefinition,
            containerDefinitions: containers,
          },
        };
      });

    this.mock
      .on(ListTasksCommand)
      .callsFake(
        async (input: {
          cluster: string;
          serviceName?: string;
          desiredStatus?: string;
          maxResults?: number;
          nextToken?: string;
        }) => {
          this.record("ListTasks", input);
          this.checkCluster(input.cluster);
          const arns = this.tasks
            .filter(
              (t) =>
                t.cluster === input.cluster &&
                (input.serviceName === undefined || t.service === input.serviceName) &&
                (input.desiredStatus === undefined || t.desiredStatus === input.desiredStatus),
            )
            .map((t) => t.arn);
          return page(arns, Math.min(input.maxResults ?? 100, 100), input.nextToken, "taskArns");
        },
      );

    this.mock
      .on(DescribeTasksCommand)
      .callsFake(async (input: { cluster: string; tasks: string[] }) => {
        this.record("DescribeTasks", input);
        if (input.tasks.length > 100) {
          throw new InvalidParameterException({
            message: "tasks can have at most 100 items.",
            $metadata: {},
          });
        }
        const now = Date.now();
        const tasks: Task[] = this.tasks
          .filter((t) => input.tasks.includes(t.arn))
          .map((t) => {
            const health = this.taskDefinitions.get(t.taskDefinition)?.some((c) => c.healthCheck);
            return {
              taskArn: t.arn,
              group: `service:${t.service}`,
              desiredStatus: t.desiredStatus,
              lastStatus:
                t.desiredStatus === "STOPPED"
                  ? "STOPPED"
                  : now >= t.runningAt
                    ? "RUNNING"
                    : "PROVISIONING",
              healthStatus: !health
                ? "UNKNOWN"
                : t.healthyAt !== undefined && now >= t.healthyAt
                  ? "HEALTHY"
                  : "UNKNOWN",
            };
          });
        return { tasks, failures: [] };
      });

    this.mock.on(StopTaskCommand).callsFake(async (input: { cluster: string; task: string }) => {
      const now = this.record("StopTask", input);
      const task = this.tasks.find((t) => t.arn === input.task);
      if (!task)
        throw new InvalidParameterException({
          message: "The referenced task was not found.",
          $metadata: {},
        });
      const service = this.find(task.cluster, task.service);
      const stops = service ? (this.stopsPerService.get(service.arn) ?? 0) : 0;
      if (service && stops >= (service.spec.stopTaskRefusedAfter ?? Infinity)) {
        throw new AccessDeniedException({
          message: "User is not authorized to perform: ecs:StopTask",
          $metadata: {},
        });
      }
      if (service) this.stopsPerService.set(service.arn, stops + 1);
      if (service && !this.stopping.has(service.arn)) {
        this.stopping.add(service.arn);
        this.concurrentAtStart.push(this.inProgressCount(now));
      }
      task.desiredStatus = "STOPPED";
      task.stoppedAt = now;
      const delay = service?.spec.replacementMs;
      if (service && delay !== undefined) this.startTask(service.spec, now + delay);
      return { task: { taskArn: task.arn, desiredStatus: "STOPPED" } };
    });
  }
}

function page<K extends string>(
  items: string[],
  size: number,
  token: string | undefined,
  key: K,
): Record<K, string[]> & { nextToken?: string } {
  const start = token ? Number(token) : 0;
  const end = start + size;
  const result = { [key]: items.slice(start, end) } as Record<K, string[]> & { nextToken?: string };
  if (end < items.length) result.nextToken = String(end);
  return result;
}
