/**
 * The named steps of one rotation (docs/design.md §Data flow), in protocol order. Tests hook in
 * after each one to crash the run there; results and logs report time per step.
 */
export const STEP_NAMES = [
  "read",
  "recover",
  "stage",
  "apply",
  "verify",
  "publish-url",
  "publish-password",
  "publish-username",
  "refresh",
  "revoke-previous",
  "finish",
] as const;

export type StepName = (typeof STEP_NAMES)[number];
