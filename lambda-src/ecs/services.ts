/**
 * Reading services from ECS: every service of a cluster (ListServices, all pages), the
 * description of any number of services (DescribeServices takes at most 10 per call), and the
 * poller that describes every service a refresh waits for in shared calls.
 */
import {
  DescribeServicesCommand,
  paginateListServices,
  type ECSClient,
  type Service,
} from "@aws-sdk/client-ecs";
import { createBatchPoller, type BatchPoller } from "./poller";
import type { Timing } from "./wait";

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

export interface ServiceQuery {
  readonly cluster: string;
  readonly service: string;
}

/** Undefined when ECS no longer knows the service. */
export type ServicePoller = BatchPoller<ServiceQuery, Service | undefined>;

/** At each tick, the due services of each cluster in DescribeServices calls of ten, one look each. */
export function createServicePoller(ecs: ECSClient, timing: Timing): ServicePoller {
  return createBatchPoller<ServiceQuery, Service | undefined>(
    timing,
    (query) => query.cluster,
    async (queries) => {
      const cluster = queries[0]?.cluster ?? "";
      const described = await describeServices(
        ecs,
        cluster,
        queries.map((q) => q.service),
      );
      return described.map((d) => d.service);
    },
    DESCRIBE_SERVICES_LIMIT,
  );
}
