/**
 * The refresh plan: the listed services and the discovered ones, each described by ECS, with
 * the restart method it gets or the reason it cannot be refreshed. Read-only, so the dry run
 * shows exactly what a rotation would do.
 */
import type { ECSClient, Service } from "@aws-sdk/client-ecs";
import { describeError } from "../redact";
import { currentTaskDefinition, discoverServices } from "./discovery";
import { describeServices, serviceName } from "./services";
import { chooseRestartMethod, settingFor } from "./restart-method";
import type { TaskDefinitionReader } from "./task-definitions";
import type { Config } from "../config";
import type { PlannedService, RefreshPlan } from "../core/ports";

/** The refresh's part of the configuration (lambda-src/config `ecs` and `refresh`). */
export type RefreshSettings = Config["ecs"] &
  Config["refresh"] & {
    /** The parameters a rotation writes (password, DATABASE_URL, username), by name. */
    readonly rotatedParameters: readonly string[];
  };

function unplannable(
  cluster: string,
  service: string,
  source: PlannedService["source"],
  problem: string,
): PlannedService {
  return {
    service,
    cluster,
    arn: undefined,
    source,
    controller: undefined,
    restartMethod: undefined,
    desiredCount: 0,
    runningCount: 0,
    taskDefinition: undefined,
    problem,
  };
}

function planService(
  settings: RefreshSettings,
  cluster: string,
  service: Service,
  source: PlannedService["source"],
): PlannedService {
  const name = service.serviceName ?? serviceName(service.serviceArn ?? "?");
  const controller = service.deploymentController?.type ?? "ECS";
  const choice =
    service.status === "ACTIVE"
      ? chooseRestartMethod(
          settingFor(cluster, name, settings.serviceRestartMethods, settings.restartMethod),
          controller,
        )
      : {
          restartMethod: undefined,
          problem: `the service is ${service.status ?? "in an unknown state"}, not ACTIVE`,
        };
  return {
    service: name,
    cluster,
    arn: service.serviceArn,
    source,
    controller,
    restartMethod: choice.restartMethod,
    desiredCount: service.desiredCount ?? 0,
    runningCount: service.runningCount ?? 0,
    taskDefinition: currentTaskDefinition(service),
    ...("problem" in choice ? { problem: choice.problem } : {}),
  };
}

export async function planRefresh(
  ecs: ECSClient,
  taskDefinitions: TaskDefinitionReader,
  settings: RefreshSettings,
): Promise<RefreshPlan> {
  const planned: PlannedService[] = [];
  const problems: string[] = [];
  const { cluster, services } = settings;

  if (cluster !== undefined && services.length > 0) {
    try {
      for (const d of await describeServices(ecs, cluster, services)) {
        planned.push(
          d.service
            ? planService(settings, cluster, d.service, "listed")
            : unplannable(
                cluster,
                d.requested,
                "listed",
                `ECS does not know this service in cluster ${cluster} (${d.failure ?? "MISSING"})`,
              ),
        );
      }
    } catch (error) {
      const why = `cannot describe it in cluster ${cluster}: ${describeError(error, [])}`;
      for (const service of services) planned.push(unplannable(cluster, service, "listed", why));
    }
  }

  if (settings.discoveryClusters.length > 0) {
    const found = await discoverServices(
      ecs,
      taskDefinitions,
      settings.discoveryClusters,
      settings.rotatedParameters,
    );
    problems.push(...found.problems);
    const key = (c: string, s: string) => `${c}/${s}`;
    const seen = new Set(planned.map((p) => key(p.cluster, p.service)));
    for (const d of found.services) {
      const plannedService = planService(settings, d.cluster, d.service, "discovered");
      if (seen.has(key(d.cluster, plannedService.service))) continue;
      seen.add(key(d.cluster, plannedService.service));
      planned.push(plannedService);
    }
  }
  return { services: planned, problems };
}
