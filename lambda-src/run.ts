/**
 * One rotation run's context: the ports it uses, the secrets it has seen (for redaction),
 * the lease it holds, how long each step took, and how it ends (succeeded, skipped, failed).
 * The protocol itself is in protocol.ts (strategies in rotation.ts and alternating/); this
 * file is its bookkeeping.
 */
import type { Config } from "./config";
import type { RoleDatabase, RoleSession } from "./db/postgres";
import type { RoleAdministration } from "./db/roles";
import type { ServiceRefresh, ServiceRefresher } from "./ecs/refresh";
import {
  RotationError,
  describeError,
  redact,
  type RotationErrorKind,
  type RotationInProgress,
} from "./errors";
import type { RotationLogger, RotationMetrics } from "./observability";
import { releaseLease, serializePending, type PendingRecord } from "./pending";
import { ParameterStoreError, type SecretStore } from "./secrets/parameter-store";
import type { StepName } from "./steps";

export interface RotationHooks {
  /** Called after each completed step; tests throw or kill the process here to crash the run. */
  readonly afterStep?: (step: StepName) => Promise<void> | void;
}

export interface RotationDeps {
  readonly store: SecretStore;
  readonly database: RoleDatabase;
  readonly ecs: ServiceRefresher;
  readonly logger: RotationLogger;
  readonly metrics: RotationMetrics;
  /** Epoch milliseconds; Date.now by default. */
  readonly clock?: () => number;
  readonly hooks?: RotationHooks;
  /** Administrative database access; used by the alternating-users strategy only. */
  readonly roles?: RoleAdministration;
}

export interface Invocation {
  readonly invocationId: string;
  /** Epoch milliseconds when the Lambda will be stopped: the end of this run's lease. */
  readonly deadline: number;
}

export type RotationOutcome = "rotated" | "recovered" | "skipped";

export interface StepTiming {
  readonly step: StepName;
  readonly ms: number;
}

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
}

/** Thrown through the protocol when a test hook throws, so nothing cleans up after it. */
export class SimulatedCrash extends Error {
  constructor(readonly original: unknown) {
    super("hook aborted the run");
  }
}

/** One run's context: what it holds, what it has seen, how long each step took. */
export class Run {
  readonly logger: RotationLogger;
  readonly now: () => number;
  readonly startedAt: number;
  readonly timings: StepTiming[] = [];
  services: readonly ServiceRefresh[] = [];
  private readonly secrets = new Set<string>();
  private readonly sessions = new Set<RoleSession>();
  private lease: PendingRecord | undefined;
  /** The last record held; kept after `release` so a report can still name the staged role. */
  private staged: PendingRecord | undefined;
  private appliedAt: number | undefined;
  private publishGapMs: number | null = null;
  private stepInProgress: StepName = "read";

  constructor(
    readonly config: Config,
    readonly deps: RotationDeps,
    readonly invocation: Invocation,
  ) {
    this.logger = deps.logger;
    this.now = deps.clock ?? Date.now;
    this.startedAt = this.now();
  }

  async step<T>(step: StepName, body: () => Promise<T>): Promise<T> {
    this.stepInProgress = step;
    const started = this.now();
    this.logger.info(`${step} started`, { step, outcome: "started" });
    const result = await body();
    const ms = this.now() - started;
    this.timings.push({ step, ms });
    this.logger.info(`${step} done`, { step, outcome: "ok", ms });
    try {
      await this.deps.hooks?.afterStep?.(step);
    } catch (error) {
      throw new SimulatedCrash(error);
    }
    return result;
  }

  /** Register an open session so that `closeSessions` closes it whatever happens. */
  track(session: RoleSession): RoleSession {
    this.sessions.add(session);
    return session;
  }

  async closeSession(session: RoleSession): Promise<void> {
    this.sessions.delete(session);
    await session.close();
  }

  async closeSessions(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => this.closeSession(session)));
  }

  remember(secret: string): void {
    this.secrets.add(secret);
  }

  sanitize(text: string): string {
    return redact(text, this.secrets);
  }

  hold(record: PendingRecord): void {
    this.lease = record;
    this.staged = record;
    this.remember(record.password);
  }

  release(): void {
    this.lease = undefined;
  }

  newPassword(): string {
    if (this.lease === undefined) throw new Error("no staged password: the lease is not held");
    return this.lease.password;
  }

  /** The role whose password is staged: DB_USER, or with alternating-users the one not in use. */
  stagedRole(): string {
    if (this.lease === undefined) throw new Error("no staged role: the lease is not held");
    return this.lease.username;
  }

  applied(): void {
    this.appliedAt = this.now();
  }

  publishDone(): void {
    if (this.appliedAt !== undefined) this.publishGapMs = this.now() - this.appliedAt;
  }

  /**
   * What is where after a failure in `step` (or, "finished", after step 7), for
   * RotationError.stateLeft. Names the staged role, and with alternating-users the published
   * one, whose password a run never changes.
   */
  stateLeft(step: StepName | "finished"): string {
    const { password, pending, username, databaseUrl } = this.config.parameters;
    const { staged, published } = this.roles();
    const retry = this.lease
      ? `a re-run recovers (this run releases its lease on failure; otherwise it ends at ${this.lease.leaseExpiresAt})`
      : "";
    const previous =
      published === undefined
        ? `${password} holds the previous one`
        : `${password} still holds the password of ${published}, which was not touched and keeps working`;
    switch (step) {
      case "read":
      case "stage":
        return "nothing changed";
      case "recover":
        return `nothing changed in the database; ${password} and ${pending} keep their passwords`;
      case "apply":
        return `${pending} holds the staged password for ${staged}; the password of ${staged} may or may not have changed; ${previous}; ${retry}`;
      case "verify":
        return `the password of ${staged} was changed to the staged one held in ${pending}; ${previous}; ${retry}`;
      case "publish-password":
      case "publish-username":
      case "publish-url": {
        const written = [password, username, databaseUrl].filter((p) => p !== undefined);
        const old =
          published === undefined
            ? "the previous value"
            : `the previous values (${published}, whose password keeps working)`;
        return `the database accepts the staged password for ${staged} held in ${pending}; ${written.join(", ")} may still hold ${old}; ${retry}`;
      }
      case "refresh":
        return `the password of ${staged} is rotated and published; ${pending} still exists; ${retry}`;
      case "finish":
        return `the password of ${staged} is rotated and published, and services were refreshed; ${pending} could not be deleted; a re-run publishes the same password again without changing it`;
      case "finished":
        return `the password of ${staged} is rotated and published, the pending parameter is deleted${published === undefined ? "" : `; ${published} keeps its password until the next rotation`}`;
    }
  }

  /** The role this run stages, and with alternating-users the published one it leaves alone. */
  private roles(): { readonly staged: string; readonly published: string | undefined } {
    const { strategy, db } = this.config;
    if (strategy.kind !== "alternating-users") return { staged: db.user, published: undefined };
    const staged = this.staged?.username;
    if (staged === undefined)
      return { staged: "the role not in use", published: "the published role" };
    const { primaryUser, twinUser } = strategy;
    return { staged, published: staged === primaryUser ? twinUser : primaryUser };
  }

  succeeded(outcome: RotationOutcome): RotationResult {
    const result = this.result(outcome);
    this.deps.metrics.succeeded();
    this.deps.metrics.duration(result.durationMs);
    if (result.publishGapMs !== null) this.deps.metrics.publishGap(result.publishGapMs);
    this.logger.info(`rotation ${outcome}`, {
      step: "finish",
      outcome,
      durationMs: result.durationMs,
      publishGapMs: result.publishGapMs,
      steps: result.steps,
      services: result.services,
    });
    return result;
  }

  skipped(reason: RotationInProgress): RotationResult {
    const result = { ...this.result("skipped"), reason: `skipped: ${reason.message}` };
    this.deps.metrics.skipped();
    this.logger.info(result.reason, {
      step: this.stepInProgress,
      outcome: "skipped",
      holder: reason.holder,
      leaseExpiresAt: reason.leaseExpiresAt,
    });
    return result;
  }

  /** Release the lease (best effort), log, count, and return the error to throw. */
  async failed(error: unknown): Promise<RotationError> {
    const failure = this.toRotationError(error);
    const durationMs = this.now() - this.startedAt;
    failure.report = { durationMs, steps: [...this.timings], services: this.services };
    this.deps.metrics.failed();
    this.deps.metrics.duration(durationMs);
    if (this.lease !== undefined) {
      const released = releaseLease(this.lease, this.now());
      try {
        await this.deps.store.putSecureString(
          this.config.parameters.pending,
          serializePending(released),
          this.config.parameters.kmsKeyId,
        );
      } catch (releaseError) {
        this.logger.warn("could not release the lease; it ends on its own", {
          step: failure.step,
          outcome: "lease-kept",
          leaseExpiresAt: this.lease.leaseExpiresAt,
          error: describeError(releaseError, this.secrets),
        });
      }
    }
    this.logger.error(failure.message, {
      step: failure.step,
      outcome: "failed",
      kind: failure.kind,
      durationMs,
      steps: this.timings,
    });
    return failure;
  }

  private toRotationError(error: unknown): RotationError {
    const step = this.stepInProgress;
    if (error instanceof RotationError) {
      // Built from our own secret-free parts; redacted again in case a part quoted a server.
      error.message = this.sanitize(error.message);
      return error;
    }
    const kind: RotationErrorKind =
      error instanceof ParameterStoreError ? "parameter-store" : "unexpected";
    return new RotationError({
      step,
      kind,
      problem:
        error instanceof ParameterStoreError ? "SSM refused the request" : "unexpected error",
      cause: describeError(error, this.secrets),
      stateLeft: this.stateLeft(step),
      action:
        error instanceof ParameterStoreError
          ? "apply the fix above, then re-run"
          : "read the cause, fix it, then re-run; recovery completes an interrupted rotation",
    });
  }

  private result(outcome: RotationOutcome): RotationResult {
    return {
      outcome,
      steps: [...this.timings],
      services: this.services,
      publishGapMs: this.publishGapMs,
      durationMs: this.now() - this.startedAt,
    };
  }
}
