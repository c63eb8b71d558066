/**
 * Structured logs and metrics. Every log line is JSON with a `step` and an `outcome` key, so
 * a CloudWatch Logs Insights query can follow one rotation step by step, and the invocation's
 * Lambda context (`cold_start`, `function_request_id`, ...; Powertools `addContext`). Metrics
 * are EMF lines in the same stream, no PutMetricData call and no extra permission, plus
 * Powertools' `ColdStart` metric on an execution environment's first invocation.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import type { Context } from "aws-lambda";
import type { Config } from "./config";
import type { RotationLogger, RotationMetrics } from "./core/ports";

export const METRIC_NAMES = {
  succeeded: "RotationSucceeded",
  failed: "RotationFailed",
  skipped: "RotationSkipped",
  refreshInProgress: "RefreshInProgress",
  duration: "RotationDuration",
  publishGap: "PublishGap",
} as const;

type Observability = Config["observability"];

/** The Lambda context fields the logger and metrics read; a test passes only some. */
export type LambdaContextFields = Pick<Context, "awsRequestId"> &
  Partial<
    Pick<Context, "functionName" | "functionVersion" | "invokedFunctionArn" | "memoryLimitInMB">
  >;

export interface PowertoolsLogger extends RotationLogger {
  /** Adds the invocation's context (cold_start, function_request_id, ...) to every line. */
  addContext(context: LambdaContextFields): void;
}

export interface PowertoolsMetrics extends RotationMetrics {
  /** The `ColdStart` metric, on the first invocation of this execution environment only. */
  captureColdStart(context: LambdaContextFields): void;
}

export function createLogger(settings: Observability): PowertoolsLogger {
  const logger = new Logger({
    serviceName: settings.serviceName,
    // config.ts accepts only Powertools' level names, so the cast cannot widen anything.
    logLevel: settings.logLevel as LogLevel,
  });
  return {
    // Logger.addContext reads only the fields of LambdaContextFields (and tolerates absent
    // ones); the cast spares tests a full Context with its callback methods.
    addContext: (context) => logger.addContext(context as Context),
    info: (message, fields) => logger.info(message, { ...fields }),
    warn: (message, fields) => logger.warn(message, { ...fields }),
    error: (message, fields) => logger.error(message, { ...fields }),
  };
}

export function createMetrics(settings: Observability): PowertoolsMetrics {
  const metrics = new Metrics({
    namespace: settings.metricsNamespace,
    serviceName: settings.serviceName,
  });
  return {
    succeeded: () => metrics.addMetric(METRIC_NAMES.succeeded, MetricUnit.Count, 1),
    failed: () => metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, 1),
    skipped: () => metrics.addMetric(METRIC_NAMES.skipped, MetricUnit.Count, 1),
    refreshInProgress: () => metrics.addMetric(METRIC_NAMES.refreshInProgress, MetricUnit.Count, 1),
    duration: (ms) => metrics.addMetric(METRIC_NAMES.duration, MetricUnit.Milliseconds, ms),
    publishGap: (ms) => metrics.addMetric(METRIC_NAMES.publishGap, MetricUnit.Milliseconds, ms),
    captureColdStart: (context) => metrics.captureColdStartMetric(context.functionName),
    // A dry run records nothing; publishing then would only log Powertools' "no metrics" warning.
    flush: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
