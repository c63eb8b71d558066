/**
 * One rotation run's context, made of small collaborators: the ports it uses, the secrets it
 * has seen (SecretLedger), the lease it holds (Lease), its steps and their timings
 * (StepTimer), its open sessions (Sessions), the KMS keys it writes with (ParameterKeys) and
 * what it reports (RunRecord). The protocol is in protocol.ts, the strategies in
 * ../strategies/.
 */
import type { Config } from "../config";
import {
  rotationError,
  type FailureFields,
  type RotationError,
  type RotationErrorKind,
} from "../errors";
import { Lease } from "./lease";
import { ParameterKeys } from "./parameter-keys";
import type {
  RoleAdministration,
  RoleDatabase,
  RotationLogger,
  RotationMetrics,
  SecretStore,
  ServiceRefresh,
  ServiceRefresher,
} from "./ports";
import type { RefreshRecordStore } from "./refresh-record";
import { SecretLedger } from "./secret-ledger";
import { Sessions } from "./sessions";
import { describeStateLeft, type RolesInPlay } from "./state-left";
import { StepTimer, type RotationHooks } from "./step-timer";
import type { StepName } from "./steps";

/** The ports a run uses, plugged in by handler.ts (or a test). */
export interface RotationDeps {
  readonly store: SecretStore;
  readonly database: RoleDatabase;
  /** Administrative database access; the alternating-users strategy's. */
  readonly roles: RoleAdministration;
  readonly ecs: ServiceRefresher;
  /** Where a refresh that outlives the invocation is handed over (core/hand-over.ts). */
  readonly refreshRecords?: RefreshRecordStore;
  readonly logger: RotationLogger;
  readonly metrics: RotationMetrics;
  /** Epoch milliseconds; Date.now by default. */
  readonly clock?: () => number;
  readonly hooks?: RotationHooks;
}

/** What the invocation asked for (see ../event.ts); the dry run never gets this far. */
export type RunAction = "rotate" | "resume" | "revoke";

export interface Invocation {
  readonly invocationId: string;
  /**
   * "rotate" when absent. "resume" finishes an interrupted rotation and never starts one.
   * "revoke" rotates, then replaces the previously published role's password too.
   */
  readonly action?: RunAction;
  /** Epoch milliseconds when the Lambda will be stopped: the end of this run's lease. */
  readonly deadline: number;
}

/** What a run measured, beyond step timings: ECS results and the publish gap. */
export class RunRecord {
  #services: readonly ServiceRefresh[] = [];
  #appliedAt: number | undefined;
  #publishGapMs: number | null = null;

  constructor(private readonly now: () => number) {}

  get services(): readonly ServiceRefresh[] {
    return this.#services;
  }

  /** ALTER ROLE commit → new value readable from SSM; null when this run did not apply. */
  get publishGapMs(): number | null {
    return this.#publishGapMs;
  }

  applied(): void {
    this.#appliedAt = this.now();
  }

  published(): void {
    if (this.#appliedAt !== undefined) this.#publishGapMs = this.now() - this.#appliedAt;
  }

  refreshed(services: readonly ServiceRefresh[]): void {
    this.#services = services;
  }
}

export class Run {
  readonly logger: RotationLogger;
  readonly now: () => number;
  readonly startedAt: number;
  readonly secrets = new SecretLedger();
  readonly lease = new Lease();
  readonly sessions = new Sessions();
  readonly steps: StepTimer;
  readonly record: RunRecord;
  /** The KMS keys this run writes with, looked up once (see parameter-keys.ts). */
  readonly keys: ParameterKeys;

  constructor(
    readonly config: Config,
    readonly deps: RotationDeps,
    readonly invocation: Invocation,
    /** The strategy's names for the roles, given the staged one when known. */
    private readonly roles: (stagedRole: string | undefined) => RolesInPlay,
  ) {
    this.logger = deps.logger;
    this.now = deps.clock ?? Date.now;
    this.startedAt = this.now();
    this.steps = new StepTimer(deps.logger, this.now, deps.hooks);
    this.record = new RunRecord(this.now);
    this.keys = new ParameterKeys(config.parameters, deps.store);
  }

  step<T>(step: StepName, body: () => Promise<T>): Promise<T> {
    return this.steps.run(step, body);
  }

  /** What is where after a failure in `step` (or, "finished", after step 7). */
  stateLeft(step: StepName | "finished"): string {
    return describeStateLeft(step, {
      parameters: this.config.parameters,
      roles: this.roles(this.lease.stagedRole),
      leaseEnds: this.lease.held?.leaseExpiresAt,
    });
  }

  /** The catalogue's error of `kind` at `step`, with what this run left there. */
  fail<K extends RotationErrorKind>(
    kind: K,
    step: StepName,
    fields: FailureFields[K],
  ): RotationError {
    return rotationError(kind, { step, stateLeft: this.stateLeft(step) }, fields);
  }
}
