/**
 * Reading services from ECS: every service of a cluster (ListServices, all pages) and the
 * description of any number of services (DescribeServices takes at most 10 per call).
 */
import {
  DescribeServicesCommand,
  paginateListServices,
  type ECSClient,
  type Service,
} from "@aws-sdk/client-ecs";

/** DescribeServices accepts at most this many services per call. */
export const DESCRIBE_SERVICES_LIMIT = 10;

/** Every service ARN in `cluster`, following nextToken until the last page. */
export async function listServiceArns(ecs: ECSClient, cluster: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListServices({ client: ecs, pageSize: 100 }, { cluster })) {
    arns.push(...(page.serviceArns ?? []));
  }
  return arns;
}

export interface DescribedService {
  /** As asked for (a name or an ARN). */
  readonly requested: string;
  /** Undefined when ECS reports the service as a failure (MISSING). */
  readonly service: Service | undefined;
  /** ECS's failure reason, e.g. MISSING. */
  readonly failure: string | undefined;
}

/** The last path segment of a service ARN (`…:service/<cluster>/<name>`), or the name itself. */
export function serviceName(nameOrArn: string): string {
  return nameOrArn.startsWith("arn:") ? (nameOrArn.split("/").at(-1) ?? nameOrArn) : nameOrArn;
}

/** Describe `services` of one cluster, in calls of ten, in input order. */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  services: readonly string[],
): Promise<DescribedService[]> {
  const described: DescribedService[] = [];
  for (let i = 0; i < services.length; i += DESCRIBE_SERVICES_LIMIT) {
    const batch = services.slice(i, i + DESCRIBE_SERVICES_LIMIT);
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: batch }));
    for (const requested of batch) {
      const name = serviceName(requested);
      const service = out.services?.find(
        (s) => s.serviceArn === requested || s.serviceName === name,
      );
      const failure = out.failures?.find(
        (f) => f.arn === requested || (f.arn !== undefined && serviceName(f.arn) === name),
      );
      described.push({
        requested,
        service,
        failure: service ? undefined : (failure?.reason ?? "MISSING"),
      });
    }
  }
  return described;
}

/** One service, fresh; undefined when ECS no longer knows it. */
export async function describeService(
  ecs: ECSClient,
  cluster: string,
  service: string,
): Promise<Service | undefined> {
  const [one] = await describeServices(ecs, cluster, [service]);
  return one?.service;
}
