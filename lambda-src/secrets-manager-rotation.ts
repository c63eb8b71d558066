/**
 * How an invocation runs with SECRET_STORE=secretsmanager (docs/design.md §Secrets Manager
 * store): Secrets Manager's step events run that step for their token; `{"action":"resume"}`
 * sweeps a pending version left behind. Secrets Manager is the rotation schedule, so
 * `{"action":"rotate"}` and `{"action":"revoke"}` are refused, as is a step event sent to a
 * function configured for SSM. Each refusal is an invalid-event error that changes nothing.
 * The dry run reads the secret instead of the SSM parameters.
 */
import type { Config } from "./config";
import {
  resumeSecretsManager,
  runSecretsManagerStep,
  secretsManagerDryRunChecks,
  type FourStepDeps,
} from "./core/four-step";
import type { RotationResult } from "./core/outcome";
import type { Invocation as RunInvocation, RunAction } from "./core/run";
import { rotationError } from "./errors";
import type { Invocation } from "./event";

const ROTATE_WITH = "aws secretsmanager rotate-secret --secret-id <secret_arn>";

/**
 * The SSM store's run action for `invocation`; undefined when the Secrets Manager path takes
 * it (every step event, and every action but the dry run when SECRET_STORE=secretsmanager).
 */
export function ssmRunAction(config: Config, invocation: Invocation): RunAction | undefined {
  if (invocation.kind === "step" || config.secretStore.kind === "secretsmanager") return undefined;
  return invocation.action === "dry-run" ? undefined : invocation.action;
}

export function runSecretsManagerInvocation(
  config: Config,
  deps: FourStepDeps,
  invocation: Invocation,
  run: RunInvocation,
): Promise<RotationResult> {
  if (config.secretStore.kind !== "secretsmanager") {
    throw refused(
      "a Secrets Manager step event, but SECRET_STORE is ssm",
      'set the module variable `secret_store = "secretsmanager"` to rotate a Secrets Manager secret',
    );
  }
  if (invocation.kind === "step") {
    const { step, secretId, token } = invocation;
    return runSecretsManagerStep(config, deps, run, { step, secretId, token });
  }
  if (invocation.action === "resume") return resumeSecretsManager(config, deps, run);
  throw refused(
    `{"action":"${invocation.action}"} with SECRET_STORE=secretsmanager, where Secrets ` +
      "Manager starts every rotation",
    `rotate with ${ROTATE_WITH}; {"action":"resume"} and {"action":"dry-run"} are accepted`,
  );
}

function refused(shown: string, accepted: string) {
  return rotationError("invalid-event", { step: "handler" }, { shown, accepted });
}

/** The dry run's store checks with SECRET_STORE=secretsmanager; none (the SSM reads) with ssm. */
export function dryRunStoreChecks(
  config: Config,
  deps: () => FourStepDeps,
): { readonly storeChecks?: ReturnType<typeof secretsManagerDryRunChecks> } {
  if (config.secretStore.kind !== "secretsmanager") return {};
  return { storeChecks: secretsManagerDryRunChecks(config, deps()) };
}
