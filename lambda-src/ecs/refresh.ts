/**
 * Restart the ECS services that read the secret, so running tasks pick up the new value:
 * ECS injects SSM parameters only when a task starts. This basic version starts a new
 * deployment of each service (forceNewDeployment) and reports each one; waiting for the
 * deployment to become stable and CODE_DEPLOY services come later.
 */
import { DescribeServicesCommand, UpdateServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";

export interface ServiceRefresh {
  readonly service: string;
  /** The new PRIMARY deployment's ID, when ECS started one. */
  readonly deploymentId: string | undefined;
  readonly ok: boolean;
  /** Secret-free reason when `ok` is false. */
  readonly error?: string;
}

export interface ServiceStatus {
  readonly service: string;
  /** ECS status (ACTIVE, DRAINING, INACTIVE) or MISSING when ECS does not know it. */
  readonly status: string;
}

/** What the rotation needs from ECS; faked in unit tests. */
export interface ServiceRefresher {
  /** Start a new deployment of each service; never throws, reports each outcome. */
  refresh(cluster: string, services: readonly string[]): Promise<ServiceRefresh[]>;
  describe(cluster: string, services: readonly string[]): Promise<ServiceStatus[]>;
}

async function refreshOne(
  ecs: ECSClient,
  cluster: string,
  service: string,
): Promise<ServiceRefresh> {
  try {
    const out = await ecs.send(
      new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }),
    );
    const primary = out.service?.deployments?.find((d) => d.status === "PRIMARY");
    if (!primary?.id) {
      return {
        service,
        deploymentId: undefined,
        ok: false,
        error: "ECS started no PRIMARY deployment",
      };
    }
    return { service, deploymentId: primary.id, ok: true };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { service, deploymentId: undefined, ok: false, error: reason };
  }
}

export function createServiceRefresher(ecs: ECSClient): ServiceRefresher {
  return {
    refresh: (cluster, services) =>
      Promise.all(services.map((service) => refreshOne(ecs, cluster, service))),

    async describe(cluster, services) {
      const statuses: ServiceStatus[] = [];
      // DescribeServices takes at most 10 services per call.
      for (let i = 0; i < services.length; i += 10) {
        const batch = services.slice(i, i + 10);
        const out = await ecs.send(new DescribeServicesCommand({ cluster, services: batch }));
        for (const service of batch) {
          const found = out.services?.find(
            (s) => s.serviceName === service || s.serviceArn === service,
          );
          statuses.push({ service, status: found?.status ?? "MISSING" });
        }
      }
      return statuses;
    },
  };
}
