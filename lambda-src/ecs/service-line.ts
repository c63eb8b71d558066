/**
 * One service's refresh result as a log line of its own ("service refresh <outcome>"): the
 * full detail that the report lines and notices of a large fleet only count
 * (core/service-digest.ts). Written as each service settles: in the first invocation
 * (refresh.ts), and after a hand-over (refresh-events.ts, which adds the rotation's id).
 */
import type { RotationLogger, ServiceRefresh } from "../core/ports";

export function logServiceRefresh(
  logger: RotationLogger,
  result: ServiceRefresh,
  extra: Readonly<Record<string, unknown>> = {},
): void {
  const { service, cluster, ok, ...reported } = result;
  const line = { step: "refresh", ecsService: service, cluster, ...extra, ...reported };
  if (ok || result.outcome === "in-flight") logger.info(`service refresh ${result.outcome}`, line);
  else logger.error(`service refresh ${result.outcome}`, line);
}
