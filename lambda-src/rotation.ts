/**
 * The entry point of every rotation run (docs/design.md §Data flow): choose the strategy,
 * run the protocol with it, and end the run as succeeded, skipped or failed.
 */
import type { Config } from "./config";
import { RotationInProgress } from "./errors";
import { failed, skipped, succeeded, type RotationResult } from "./core/outcome";
import { Run, type Invocation, type RotationDeps } from "./core/run";
import { HookAbort } from "./core/step-timer";
import { chooseStrategy } from "./strategies/choose";

export type { RotationOutcome, RotationResult } from "./core/outcome";
export type { Invocation, RotationDeps } from "./core/run";
export type { RotationHooks, StepTiming } from "./core/step-timer";

/** Rotate the role's password, or finish an interrupted rotation. */
export async function rotate(
  config: Config,
  deps: RotationDeps,
  invocation: Invocation,
): Promise<RotationResult> {
  const strategy = chooseStrategy(config);
  const run = new Run(config, deps, invocation, (staged) => strategy.roles(staged));
  try {
    return succeeded(run, await strategy.rotate(run));
  } catch (error) {
    if (error instanceof HookAbort) throw error.original;
    if (error instanceof RotationInProgress) return skipped(run, error);
    throw await failed(run, error);
  } finally {
    await run.sessions.closeAll();
  }
}
