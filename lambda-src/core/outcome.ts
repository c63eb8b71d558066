/**
 * How a run ends: succeeded, skipped (another run holds the lease) or failed. Each ending
 * logs one line, counts one metric and returns a secret-free account; a failure also
 * releases the lease so that the next run recovers at once.
 */
import {
  RotationError,
  RotationInProgress,
  rotationError,
  type RotationErrorKind,
} from "../errors";
import { releaseLease, serializePending } from "./pending";
import {
  ParameterTypeError,
  SecretStoreError,
  VersionedSecretStoreError,
  type ServiceRefresh,
} from "./ports";
import type { Run } from "./run";
import { digestServices } from "./service-digest";
import { HookAbort, type StepTiming } from "./step-timer";

/**
 * "nothing-to-resume": a resume run found no interrupted rotation, and changed nothing.
 * "step-completed": one of Secrets Manager's first three steps (createSecret, setSecret,
 * testSecret) is done; its finishSecret ends the rotation as "rotated".
 * "refresh-in-progress": the rotation is finished, its ECS refresh continues after the
 * invocation (core/hand-over.ts); neither a success nor a failure until it settles.
 */
export type RotationOutcome =
  | "rotated"
  | "recovered"
  | "skipped"
  | "nothing-to-resume"
  | "step-completed"
  | "refresh-in-progress";

/** What a run returns and logs. Never contains a secret. */
export interface RotationResult {
  readonly outcome: RotationOutcome;
  /** Why the run was skipped ("rotation in progress by … until …"). */
  readonly reason?: string;
  readonly steps: readonly StepTiming[];
  readonly services: readonly ServiceRefresh[];
  /** ALTER ROLE commit → new value readable from SSM; null when this run did not apply. */
  readonly publishGapMs: number | null;
  readonly durationMs: number;
  /** The Secrets Manager step this invocation ran (SECRET_STORE=secretsmanager). */
  readonly secretsManagerStep?: string;
}

function result(run: Run, outcome: RotationOutcome): RotationResult {
  return {
    outcome,
    steps: run.steps.timings,
    services: run.record.services,
    publishGapMs: run.record.publishGapMs,
    durationMs: run.now() - run.startedAt,
  };
}

/**
 * Run `body` and end the run: succeeded, skipped (another run holds the lease) or failed (the
 * lease released, the error logged and counted). A test hook's crash passes through untouched.
 */
export async function endRun(
  run: Run,
  body: () => Promise<RotationOutcome>,
): Promise<RotationResult> {
  try {
    return succeeded(run, await body());
  } catch (error) {
    if (error instanceof HookAbort) throw error.original;
    if (error instanceof RotationInProgress) return skipped(run, error);
    throw await failed(run, error);
  } finally {
    await run.sessions.closeAll();
  }
}

export function succeeded(run: Run, outcome: RotationOutcome): RotationResult {
  const ended = result(run, outcome);
  if (outcome === "nothing-to-resume" || outcome === "step-completed") {
    // The resume schedule runs hourly, and Secrets Manager's first three steps are a quarter
    // of a rotation each: no metric, so the rotation counts stay rotations.
    const message = outcome === "step-completed" ? "step completed" : "nothing to resume";
    run.logger.info(message, { step: run.steps.current, outcome, durationMs: ended.durationMs });
    return ended;
  }
  const { metrics } = run.deps;
  if (outcome === "refresh-in-progress") {
    metrics.refreshInProgress();
  } else {
    metrics.succeeded();
  }
  metrics.duration(ended.durationMs);
  if (ended.publishGapMs !== null) metrics.publishGap(ended.publishGapMs);
  const said = outcome === "refresh-in-progress" ? "rotated; ECS refresh in progress" : outcome;
  run.logger.info(`rotation ${said}`, {
    step: "finish",
    outcome,
    durationMs: ended.durationMs,
    publishGapMs: ended.publishGapMs,
    steps: ended.steps,
    // Bounded: a fleet's full list would outgrow a log event; each service has its own line.
    ...digestServices(ended.services),
  });
  return ended;
}

export function skipped(run: Run, reason: RotationInProgress): RotationResult {
  const ended = { ...result(run, "skipped"), reason: `skipped: ${reason.message}` };
  run.deps.metrics.skipped();
  run.logger.info(ended.reason, {
    step: run.steps.current,
    outcome: "skipped",
    holder: reason.holder,
    leaseExpiresAt: reason.leaseExpiresAt,
  });
  return ended;
}

/** Release the lease (best effort), log, count, and return the error to throw. */
export async function failed(run: Run, error: unknown): Promise<RotationError> {
  const failure = asRotationError(run, error);
  const durationMs = run.now() - run.startedAt;
  const steps = run.steps.timings;
  failure.report = { durationMs, steps, services: run.record.services };
  run.deps.metrics.failed();
  run.deps.metrics.duration(durationMs);
  await releaseHeldLease(run, failure.step);
  run.logger.error(failure.message, {
    step: failure.step,
    outcome: "failed",
    kind: failure.kind,
    durationMs,
    steps,
  });
  return failure;
}

async function releaseHeldLease(run: Run, step: string): Promise<void> {
  const held = run.lease.held;
  if (held === undefined) return;
  const { pending, kmsKeyId } = run.config.parameters;
  try {
    const released = serializePending(releaseLease(held, run.now()));
    await run.deps.store.putSecureString(pending, released, kmsKeyId);
  } catch (releaseError) {
    run.logger.warn("could not release the lease; it ends on its own", {
      step,
      outcome: "lease-kept",
      leaseExpiresAt: held.leaseExpiresAt,
      error: run.secrets.describe(releaseError),
    });
  }
}

function asRotationError(run: Run, error: unknown): RotationError {
  if (error instanceof RotationError) {
    // Built from our own secret-free parts; redacted again in case a part quoted a server.
    error.message = run.secrets.sanitize(error.message);
    return error;
  }
  const step = run.steps.current;
  const site = { step, stateLeft: run.stateLeft(step), cause: run.secrets.describe(error) };
  if (error instanceof ParameterTypeError) {
    const { parameter, type } = error;
    return rotationError("parameter-not-secure", site, { parameter, type });
  }
  const kind: RotationErrorKind =
    error instanceof SecretStoreError
      ? "parameter-store"
      : error instanceof VersionedSecretStoreError
        ? "secret-store"
        : "unexpected";
  return rotationError(kind, site, {});
}
