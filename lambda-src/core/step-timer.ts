/**
 * Runs the protocol's named steps: logs each start and end, times it, and then calls the
 * injected `afterStep` hook. Tests use the hook to observe a run or to crash it at a step
 * boundary (docs/design.md §Invariants 1); production injects none.
 */
import type { RotationLogger } from "./ports";
import type { StepName } from "./steps";

export interface StepTiming {
  readonly step: StepName;
  readonly ms: number;
}

export interface RotationHooks {
  /**
   * Called after each completed step. What it throws ends the run as a crash would: it
   * reaches the caller unchanged, and the run neither reports nor releases anything.
   */
  readonly afterStep?: (step: StepName) => Promise<void> | void;
}

/** Carries a hook's error past the run's failure handling (see RotationHooks). */
export class HookAbort extends Error {
  constructor(readonly original: unknown) {
    super("afterStep hook aborted the run");
  }
}

export class StepTimer {
  #current: StepName = "read";
  readonly #timings: StepTiming[] = [];

  constructor(
    private readonly logger: RotationLogger,
    private readonly now: () => number,
    private readonly hooks: RotationHooks = {},
  ) {}

  /** The step running now, or the last one started: where a failure happened. */
  get current(): StepName {
    return this.#current;
  }

  get timings(): readonly StepTiming[] {
    return [...this.#timings];
  }

  async run<T>(step: StepName, body: () => Promise<T>): Promise<T> {
    this.#current = step;
    const started = this.now();
    this.logger.info(`${step} started`, { step, outcome: "started" });
    const result = await body();
    const ms = this.now() - started;
    this.#timings.push({ step, ms });
    this.logger.info(`${step} done`, { step, outcome: "ok", ms });
    try {
      await this.hooks.afterStep?.(step);
    } catch (error) {
      throw new HookAbort(error);
    }
    return result;
  }
}
