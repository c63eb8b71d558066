/**
 * Step lists the tests take from the engine's own STEP_NAMES (lambda-src/core/steps.ts) instead of
 * re-typing them, so that a step added to the protocol is crashed after and expected too.
 */
import { STEP_NAMES, type StepName } from "../../lambda-src/core/steps";

/** The publish steps a run skips when their parameter is not configured. */
export type OptionalStep = "publish-username" | "publish-url";

/** Steps only a recovery or a revoke takes. */
const NOT_IN_A_FRESH_ROTATION: readonly StepName[] = ["recover", "revoke-previous"];

/** The steps of a fresh rotation, in order, minus those of parameters not configured. */
export function freshRotationSteps(notConfigured: readonly OptionalStep[] = []): StepName[] {
  const skipped: readonly StepName[] = [...NOT_IN_A_FRESH_ROTATION, ...notConfigured];
  return STEP_NAMES.filter((step) => !skipped.includes(step));
}

/**
 * Where a crash leaves a rotation for the next run to finish: right after each step from
 * stage (the pending parameter exists) to refresh (it is not deleted yet).
 */
export function crashBoundaries(notConfigured: readonly OptionalStep[] = []): StepName[] {
  const steps = freshRotationSteps(notConfigured);
  return steps.slice(steps.indexOf("stage"), steps.indexOf("refresh") + 1);
}
