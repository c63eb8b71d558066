/**
 * The notice of a rotation's end, as SNS and EventBridge carry it (lambda-src/notify.ts sends
 * it): the outcome, the step timings, the ECS services counted per outcome and each one's
 * result, as many as fit in NOTICE_BYTES, failures first when not all do.
 *
 * Never a secret: the notice is built only from names, timings, ECS results and the
 * RotationError's message, which the run already redacted with every secret it saw.
 */
import type { Config } from "./config";
import type { ServiceRefresh } from "./core/ports";
import {
  countOutcomes,
  digestServices,
  utf8Bytes,
  type ServiceCounts,
} from "./core/service-digest";
import { RotationError } from "./errors";
import { describeError } from "./redact";
import type { RotationResult, StepTiming } from "./rotation";

export type NoticeType = "RotationSucceeded" | "RotationFailed";

export interface NoticeDetail {
  readonly outcome: "rotated" | "recovered" | "failed";
  /** The function (POWERTOOLS_SERVICE_NAME, the module's `name`). */
  readonly function: string;
  readonly invocationId: string;
  readonly role: string;
  readonly database: string;
  readonly parameters: { readonly password: string; readonly databaseUrl: string | null };
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly publishGapMs: number | null;
  readonly steps: readonly StepTiming[];
  /** Failures only. */
  readonly error?: { readonly step: string; readonly kind: string; readonly message: string };
  /** Every service of the refresh, counted per outcome. */
  readonly serviceCounts: ServiceCounts;
  /** How many services `services` leaves out to keep the notice within NOTICE_BYTES. */
  readonly servicesOmitted: number;
  /** When some are left out: where each service's result is (its own log line). */
  readonly servicesFullList?: string;
  readonly services: readonly ServiceRefresh[];
}

type ServiceFields = "serviceCounts" | "servicesOmitted" | "servicesFullList" | "services";

export interface RotationNotice {
  readonly type: NoticeType;
  readonly detail: NoticeDetail;
}

/**
 * A notice's size, as SNS sends it (the larger, indented form; EventBridge's compact detail
 * is smaller). SNS takes 256 KB per message with its subject and attributes, EventBridge
 * 256 KB per entry with its envelope: 200 KB leaves both a wide margin.
 */
export const NOTICE_BYTES = 200 * 1024;

/** The SNS message: the notice as indented JSON, which an e-mail subscriber reads as is. */
export const snsMessage = (notice: RotationNotice): string =>
  JSON.stringify({ type: notice.type, ...notice.detail }, null, 2);

/** The per-service lines: ecs/refresh.ts (first invocation), ecs/refresh-events.ts (later). */
const fullListAt = (invocationId: string): string =>
  `the function's CloudWatch Logs, one line per service: step "refresh" with ecsService, ` +
  `and function_request_id or rotation "${invocationId}"`;

/** The notice with every service counted, and listed as far as NOTICE_BYTES allows. */
function withServices(
  type: NoticeType,
  detail: Omit<NoticeDetail, ServiceFields>,
  services: readonly ServiceRefresh[],
): RotationNotice {
  const serviceCounts = countOutcomes(services);
  const build = (listed: readonly ServiceRefresh[]): RotationNotice => {
    const servicesOmitted = services.length - listed.length;
    const where = servicesOmitted > 0 ? { servicesFullList: fullListAt(detail.invocationId) } : {};
    const counted = { serviceCounts, servicesOmitted, ...where };
    return { type, detail: { ...detail, ...counted, services: listed } };
  };
  const fits = (listed: readonly ServiceRefresh[]) =>
    utf8Bytes(snsMessage(build(listed))) <= NOTICE_BYTES;
  return build(digestServices(services, fits).services);
}

function baseDetail(config: Config, invocationId: string, finishedAt: number) {
  const { db, parameters, observability } = config;
  return {
    function: observability.serviceName,
    invocationId,
    role: db.user,
    database: `${db.host}:${db.port}/${db.database}`,
    parameters: { password: parameters.password, databaseUrl: parameters.databaseUrl ?? null },
    finishedAt: new Date(finishedAt).toISOString(),
  };
}

export function successNotice(
  config: Config,
  result: RotationResult,
  invocationId: string,
  finishedAt: number,
): RotationNotice {
  const detail = {
    ...baseDetail(config, invocationId, finishedAt),
    outcome: result.outcome === "recovered" ? ("recovered" as const) : ("rotated" as const),
    durationMs: result.durationMs,
    publishGapMs: result.publishGapMs,
    steps: result.steps,
  };
  return withServices("RotationSucceeded", detail, result.services);
}

export function failureNotice(
  config: Config,
  error: unknown,
  invocationId: string,
  startedAt: number,
  finishedAt: number,
): RotationNotice {
  const report = error instanceof RotationError ? error.report : undefined;
  const detail = {
    ...baseDetail(config, invocationId, finishedAt),
    outcome: "failed" as const,
    durationMs: report?.durationMs ?? finishedAt - startedAt,
    publishGapMs: null,
    steps: report?.steps ?? [],
    error:
      error instanceof RotationError
        ? { step: error.step, kind: error.kind, message: error.message }
        : // rotate() turns every failure into a RotationError; this is a bug's last resort.
          { step: "unknown", kind: "unexpected", message: describeError(error, []) },
  };
  return withServices("RotationFailed", detail, report?.services ?? []);
}
