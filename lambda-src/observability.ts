/**
 * Structured logs and metrics. Every log line is JSON with a `step` and an `outcome` key, so
 * a CloudWatch Logs Insights query can follow one rotation step by step; metrics are EMF
 * lines in the same stream, no PutMetricData call and no extra permission.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import type { Config } from "./config";
import type { RotationLogger, RotationMetrics } from "./core/ports";

export const METRIC_NAMES = {
  succeeded: "RotationSucceeded",
  failed: "RotationFailed",
  skipped: "RotationSkipped",
  duration: "RotationDuration",
  publishGap: "PublishGap",
} as const;

type Observability = Config["observability"];

export interface PowertoolsLogger extends RotationLogger {
  /** The underlying Powertools logger, for `addContext` and persistent keys. */
  readonly powertools: Logger;
}

export function createLogger(settings: Observability): PowertoolsLogger {
  const logger = new Logger({
    serviceName: settings.serviceName,
    // config.ts accepts only Powertools' level names, so the cast cannot widen anything.
    logLevel: settings.logLevel as LogLevel,
  });
  return {
    powertools: logger,
    info: (message, fields) => logger.info(message, { ...fields }),
    warn: (message, fields) => logger.warn(message, { ...fields }),
    error: (message, fields) => logger.error(message, { ...fields }),
  };
}

export function createMetrics(settings: Observability): RotationMetrics {
  const metrics = new Metrics({
    namespace: settings.metricsNamespace,
    serviceName: settings.serviceName,
  });
  return {
    succeeded: () => metrics.addMetric(METRIC_NAMES.succeeded, MetricUnit.Count, 1),
    failed: () => metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, 1),
    skipped: () => metrics.addMetric(METRIC_NAMES.skipped, MetricUnit.Count, 1),
    duration: (ms) => metrics.addMetric(METRIC_NAMES.duration, MetricUnit.Milliseconds, ms),
    publishGap: (ms) => metrics.addMetric(METRIC_NAMES.publishGap, MetricUnit.Milliseconds, ms),
    // A dry run records nothing; publishing then would only log Powertools' "no metrics" warning.
    flush: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
