/**
 * The Secrets Manager store's entry point (SECRET_STORE=secretsmanager): one of Secrets
 * Manager's four steps for its token, or the hourly resume sweep, run and ended like a
 * rotation of the SSM store (one log line, metrics, a secret-free result or a RotationError).
 * The steps are in steps.ts, the recovery of a pending version left behind in stale.ts.
 */
import type { Config, SecretsManagerConfig } from "../../config";
import { RotationInProgress } from "../../errors";
import { endRun, type RotationOutcome, type RotationResult } from "../outcome";
import type { Invocation } from "../run";
import { roleAccess } from "./roles";
import { FourStepRun, type FourStepDeps, type SecretsManagerStep } from "./run";
import { inspect } from "./secret-view";
import { recoverStale } from "./stale";
import { createSecret, finishSecret, refreshAndJudge, setSecret, testSecret } from "./steps";

export { secretsManagerDryRunChecks } from "./dry-run";
export { SECRETS_MANAGER_STEPS, type FourStepDeps, type SecretsManagerStep } from "./run";

/** What Secrets Manager sends: `{"Step", "SecretId", "ClientRequestToken"}`. */
export interface StepRequest {
  readonly step: SecretsManagerStep;
  readonly secretId: string;
  readonly token: string;
}

/**
 * A pending version younger than this belongs to a rotation that may still be running: four
 * steps, each at most the Lambda's 15-minute limit, plus Secrets Manager's retries. The resume
 * sweep leaves it to that rotation.
 */
export const STALE_PENDING_AFTER_MS = 60 * 60 * 1000;

const STEPS = { createSecret, setSecret, testSecret, finishSecret } as const;

/** Run one of Secrets Manager's steps for its token. */
export function runSecretsManagerStep(
  config: Config,
  deps: FourStepDeps,
  invocation: Invocation,
  request: StepRequest,
): Promise<RotationResult> {
  const run = newRun(config, deps, invocation, request.token);
  return ended(run, () => STEPS[request.step](run, request.secretId), request.step);
}

/**
 * `{"action": "resume"}`: finish or discard a pending version an earlier token left behind
 * (stale.ts), so that Secrets Manager's next rotation is not refused. A promoted version's
 * services are refreshed. Without one, "nothing-to-resume" after one describe.
 */
export function resumeSecretsManager(
  config: Config,
  deps: FourStepDeps,
  invocation: Invocation,
): Promise<RotationResult> {
  const run = newRun(config, deps, invocation, undefined);
  return ended(run, async () => {
    const view = await run.step("read", () => inspect(run));
    const stale = view.stale;
    if (stale === undefined) return "nothing-to-resume";
    const age = run.now() - (stale.createdAt ?? 0);
    if (age < STALE_PENDING_AFTER_MS) {
      const until = new Date((stale.createdAt ?? 0) + STALE_PENDING_AFTER_MS).toISOString();
      throw new RotationInProgress(
        `a Secrets Manager rotation (version ${stale.versionId})`,
        until,
      );
    }
    const outcome = await run.step("recover", () => recoverStale(run, view, stale));
    return outcome === "promoted" ? refreshAndJudge(run, "recovered") : "recovered";
  });
}

function newRun(
  config: Config,
  deps: FourStepDeps,
  invocation: Invocation,
  token: string | undefined,
): FourStepRun {
  const store: SecretsManagerConfig | undefined =
    config.secretStore.kind === "secretsmanager" ? config.secretStore : undefined;
  if (store === undefined)
    throw new Error("the Secrets Manager steps need SECRET_STORE=secretsmanager");
  return new FourStepRun(config, deps, invocation, store, roleAccess(config), token);
}

/** End the run as rotate() does (../outcome.ts endRun), naming the Secrets Manager step. */
async function ended(
  run: FourStepRun,
  body: () => Promise<RotationOutcome>,
  step?: SecretsManagerStep,
): Promise<RotationResult> {
  const result = await endRun(run, body);
  return step === undefined ? result : { ...result, secretsManagerStep: step };
}
