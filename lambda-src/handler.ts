/**
 * The Lambda entry point, and the only composition root: it plugs the adapters (SSM,
 * PostgreSQL, ECS, Powertools, SNS/EventBridge) into the core's ports (core/ports.ts).
 * Configuration is read and validated once, at init, before any client exists: a bad
 * setting fails every invocation with a ConfigError naming the variable and the fix, and
 * nothing is touched. The events it accepts are in event.ts.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Context } from "aws-lambda";
import { ConfigError, hasRefreshTargets, loadConfig } from "./config";
import {
  REFRESH_SAFETY_MARGIN_MS,
  type RoleAdministration,
  type RoleDatabase,
  type SecretStore,
  type ServiceRefresher,
  type VersionedSecretStore,
} from "./core/ports";
import type { RefreshRecordStore } from "./core/refresh-record";
import { createPostgres } from "./db/postgres";
import { createRoleAdministration } from "./db/roles";
import { dryRun, type DryRunReport } from "./dry-run";
import { tasksContinuation } from "./ecs/in-flight";
import { createServiceRefresher, refreshSettings } from "./ecs/refresh";
import { RotationError, rotationError } from "./errors";
import { parseEcsDeploymentEvent, parseInvocation, type EcsDeploymentEvent } from "./event";
import { createNotifier, rotateAndNotify, type Notifier } from "./notify";
import { createLogger, createMetrics, type LambdaContextFields } from "./observability";
import { rotate, type RotationDeps, type RotationHooks, type RotationResult } from "./rotation";
import {
  onDeploymentEvent,
  sweepInFlight,
  type InFlightDeps,
  type InFlightResult,
} from "./ecs/refresh-events";
import { createParameterStore } from "./secrets/parameter-store";
import { createRefreshRecordStore } from "./secrets/refresh-record-store";
import { openSecretsManagerStore } from "./secrets/secrets-manager-on-demand";
import {
  dryRunStoreChecks,
  runSecretsManagerInvocation,
  ssmRunAction,
} from "./secrets-manager-rotation";
import type { RunTracer } from "./tracing";

export { parseAction, type RotationAction } from "./event";

/** The part of the Lambda context the handler reads; tests pass just the first two. */
export type InvocationContext = Pick<Context, "awsRequestId" | "getRemainingTimeInMillis"> &
  LambdaContextFields;

/** A resume run's result also says what its sweep of an in-flight refresh found. */
export type ResumeResult = RotationResult & { readonly inFlightRefresh?: InFlightResult };

export type RotationHandler = (
  event: unknown,
  context: InvocationContext,
) => Promise<RotationResult | ResumeResult | DryRunReport | InFlightResult>;

export interface HandlerOverrides {
  /** Environment to read the configuration from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  readonly hooks?: RotationHooks;
  readonly clock?: () => number;
  /** Replace the real clients, or the adapters built on them. */
  readonly clients?: {
    readonly ssm?: SSMClient;
    readonly ecs?: ECSClient;
    /** SECRET_STORE=secretsmanager: the client, or the versioned store built on it. */
    readonly secretsManager?: SecretsManagerClient;
    readonly versions?: VersionedSecretStore;
    readonly store?: SecretStore;
    readonly database?: RoleDatabase;
    readonly refresher?: ServiceRefresher;
    /** Where the end of a rotation is announced (SNS, EventBridge). */
    readonly notifier?: Notifier;
    /** Administrative database access (alternating-users). */
    readonly roles?: RoleAdministration;
    /** The in-flight refresh record (core/refresh-record.ts). */
    readonly refreshRecords?: RefreshRecordStore;
  };
}

/**
 * AWS SDK defaults (region, credentials, AWS_ENDPOINT_URL) plus timeouts, so a stalled
 * connection fails a step instead of using up the Lambda's whole timeout.
 */
const SDK_CLIENT_OPTIONS = { requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 } };

/**
 * The Tracer, loaded only when tracing is on: a dynamic import (a deferred require in the
 * bundle), so without tracing neither Powertools' Tracer nor the X-Ray SDK runs at init.
 */
async function loadTracer(serviceName: string): Promise<RunTracer> {
  const { createRunTracer } = await import("./tracing");
  return createRunTracer(serviceName);
}

/** Build a handler. Throws ConfigError, before any client is built, for an invalid environment. */
export function createHandler(overrides: HandlerOverrides = {}): RotationHandler {
  const config = loadConfig(overrides.env ?? process.env);
  const logger = createLogger(config.observability);
  const metrics = createMetrics(config.observability);
  const clients = overrides.clients ?? {};
  // One clock for the run, its lease and the ECS waits; read at each call (not bound once) so
  // that tests replacing Date.now with a virtual clock move all of them.
  const clock = overrides.clock ?? (() => Date.now());
  const { serviceName, tracingEnabled } = config.observability;
  const tracing = tracingEnabled ? loadTracer(serviceName) : undefined;
  // Each invocation awaits `tracing` first, so every client is wrapped before its first call.
  const traced = <T>(client: T): T => {
    void tracing?.then((tracer) => tracer.captureClient(client));
    return client;
  };
  const ssm = traced(clients.ssm ?? new SSMClient(SDK_CLIENT_OPTIONS));
  const ecs = traced(clients.ecs ?? new ECSClient(SDK_CLIENT_OPTIONS));
  const refreshRecords =
    clients.refreshRecords ?? createRefreshRecordStore(ssm, config.parameters.refreshState);
  const deps: RotationDeps = {
    store: clients.store ?? createParameterStore(ssm),
    database: clients.database ?? createPostgres(config.db),
    ecs:
      clients.refresher ??
      createServiceRefresher(ecs, refreshSettings(config), { logger, timing: { clock } }),
    refreshRecords,
    logger,
    metrics,
    clock,
    roles: clients.roles ?? createRoleAdministration(config.db),
    ...(overrides.hooks ? { hooks: overrides.hooks } : {}),
  };

  // With SECRET_STORE=ssm the Secrets Manager package is never loaded nor a client built.
  const openVersions = () =>
    openSecretsManagerStore({
      ...(clients.secretsManager ? { client: clients.secretsManager } : {}),
      clientOptions: SDK_CLIENT_OPTIONS,
      capture: traced,
    });
  let versions =
    clients.versions ?? (config.secretStore.kind === "secretsmanager" ? openVersions() : undefined);
  const versionedStore = () => (versions ??= openVersions());

  const notifier =
    clients.notifier ??
    createNotifier(config.notifications, {
      logger,
      clientOptions: SDK_CLIENT_OPTIONS,
      captureClient: traced,
    });

  const inFlight: InFlightDeps = {
    config,
    records: refreshRecords,
    ecs,
    notifier,
    logger,
    metrics,
    clock,
  };

  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStart(context);
    const tracer = await tracing;
    const invoke = () => invokeOnce(event, context, tracer);
    try {
      return await (tracer ? tracer.traceRun(invoke) : invoke());
    } catch (error) {
      // rotate() logs its own failures; these two are the handler's.
      if (error instanceof RotationError && error.step === "handler") {
        logger.error(error.message, { step: "handler", outcome: "failed", kind: error.kind });
      }
      throw error;
    } finally {
      metrics.flush();
    }
  };

  /** An ECS deployment event: judge that service in the in-flight refresh record, if it is there. */
  async function onDeployment(deployment: EcsDeploymentEvent, tracer?: RunTracer) {
    tracer?.annotate("action", "ecs-deployment");
    const result = await onDeploymentEvent(inFlight, deployment);
    const { eventName, serviceArn, deploymentId } = deployment;
    const fields = {
      step: "handler",
      outcome: result.outcome,
      eventName,
      serviceArn,
      deploymentId,
    };
    logger.info(`ECS deployment event: ${result.outcome}`, { ...fields, reason: result.reason });
    return result;
  }

  async function invokeOnce(event: unknown, context: InvocationContext, tracer?: RunTracer) {
    const deployment = parseEcsDeploymentEvent(event);
    if (deployment !== undefined) return onDeployment(deployment, tracer);
    const parsed = parseInvocation(event);
    const action = parsed.kind === "step" ? parsed.step : parsed.action;
    tracer?.annotate("action", action);
    logger.info(`invoked: ${action}`, { step: "handler", outcome: "started", action });
    if (parsed.kind === "action" && parsed.action === "dry-run") {
      const remainingMs = context.getRemainingTimeInMillis();
      const storeChecks = dryRunStoreChecks(config, () => ({
        ...deps,
        versions: versionedStore(),
      }));
      const report = await dryRun(config, deps, { remainingMs, ...storeChecks });
      if (!report.ok) throw dryRunFailed(report);
      return report;
    }
    const deadline = clock() + context.getRemainingTimeInMillis();
    const run = { invocationId: context.awsRequestId, deadline };
    const ssmAction = ssmRunAction(config, parsed);
    const result = await rotateAndNotify(
      () =>
        ssmAction === undefined
          ? runSecretsManagerInvocation(
              config,
              { ...deps, versions: versionedStore() },
              parsed,
              run,
            )
          : rotate(config, deps, { ...run, action: ssmAction }),
      notifier,
      config,
      context.awsRequestId,
      clock,
    );
    if (action !== "resume" || result.outcome === "refresh-in-progress") return result;
    if (!hasRefreshTargets({ ...config.ecs, ...config.refresh })) return result;
    // The resume schedule also finishes an in-flight refresh whose events never arrived.
    const until = deadline - REFRESH_SAFETY_MARGIN_MS;
    const cont = tasksContinuation(ecs, config.refresh.pacingMs, until, clock);
    const swept = await sweepInFlight(inFlight, cont);
    return swept.outcome === "ignored" ? result : { ...result, inFlightRefresh: swept };
  }
}

function dryRunFailed(report: DryRunReport): RotationError {
  const failed = report.checks.filter((c) => !c.ok);
  return rotationError("dry-run-failed", { step: "handler" }, { failed });
}

/**
 * createHandler as Lambda needs it: importing never throws. A configuration error is kept and
 * thrown by every invocation, each time with one JSON log line carrying its kind (the logger
 * needs the configuration, so the line is written in Powertools' shape by hand), so that
 * alarms and log queries on `kind` see it too.
 */
export function lambdaHandler(overrides: HandlerOverrides = {}): RotationHandler {
  try {
    return createHandler(overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const env = overrides.env ?? process.env;
    const text = rotationError("config-invalid", { step: "handler" }, error);
    const line = JSON.stringify({
      level: "ERROR",
      message: text.message,
      service: env.POWERTOOLS_SERVICE_NAME || "rds-secret-rotation",
      step: "handler",
      outcome: "failed",
      kind: text.kind,
    });
    return () => {
      process.stdout.write(`${line}\n`);
      return Promise.reject(error);
    };
  }
}

/** The function Lambda calls. */
export const handler: RotationHandler = lambdaHandler();
