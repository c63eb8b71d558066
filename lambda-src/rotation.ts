/**
 * The entry point of every rotation run (docs/design.md §Data flow): choose the strategy,
 * run the protocol with it, and end the run as succeeded, skipped or failed.
 */
import type { Config } from "./config";
import { endRun, type RotationResult } from "./core/outcome";
import { Run, type Invocation, type RotationDeps } from "./core/run";
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
  return endRun(run, () => strategy.rotate(run));
}
