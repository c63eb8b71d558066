/**
 * Discovery: instead of a list kept by hand, refresh every service of the configured clusters
 * whose CURRENT task definition reads a rotated parameter in a container's `secrets`. A
 * service that stopped reading it (a newer task definition) is left alone; one that started
 * reading it is picked up at the next rotation without a Terraform change.
 */
import type { ECSClient, Service } from "@aws-sdk/client-ecs";
import { describeError } from "../redact";
import { describeServices, listServiceArns } from "./services";
import { rotatedParametersRead, type TaskDefinitionReader } from "./task-definitions";

export interface DiscoveredService {
  readonly cluster: string;
  readonly service: Service;
  /** The rotated parameters its task definition reads. */
  readonly reads: readonly string[];
}

export interface Discovery {
  readonly services: readonly DiscoveredService[];
  /** A cluster that could not be searched, or a task definition that could not be read. */
  readonly problems: readonly string[];
}

/**
 * The task definition new tasks of `service` start from: the service's own, else (EXTERNAL
 * controller) the PRIMARY task set's.
 */
export function currentTaskDefinition(service: Service): string | undefined {
  return (
    service.taskDefinition ??
    service.taskSets?.find((set) => set.status === "PRIMARY")?.taskDefinition ??
    service.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition
  );
}

export async function discoverServices(
  ecs: ECSClient,
  taskDefinitions: TaskDefinitionReader,
  clusters: readonly string[],
  rotated: readonly string[],
): Promise<Discovery> {
  const region = await ecs.config.region();
  const services: DiscoveredService[] = [];
  const problems: string[] = [];
  for (const cluster of clusters) {
    let described;
    try {
      described = await describeServices(ecs, cluster, await listServiceArns(ecs, cluster));
    } catch (error) {
      problems.push(`cannot search cluster ${cluster}: ${describeError(error, [])}`);
      continue;
    }
    for (const { service } of described) {
      if (!service || service.status !== "ACTIVE") continue;
      const definition = currentTaskDefinition(service);
      if (!definition) continue;
      try {
        const reads = rotatedParametersRead(
          await taskDefinitions.describe(definition),
          rotated,
          region,
        );
        if (reads.length > 0) services.push({ cluster, service, reads });
      } catch (error) {
        const of = `${cluster}/${service.serviceName ?? "?"}`;
        const why = describeError(error, []);
        problems.push(`cannot read task definition ${definition} of ${of}: ${why}`);
      }
    }
  }
  return { services, problems };
}
