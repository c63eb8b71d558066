/**
 * The crash matrix's two ways to die, shared by the single-user and alternating-users tests:
 * in-process, a hook that throws right after a step; and a real process running the built
 * bundle, killed with SIGKILL right after a step. Each checks the run died where told, with
 * its lease already expired so that the next run recovers at once.
 */
import { createHandler, type RotationHandler } from "../../../lambda-src/handler";
import type { StepName } from "../../../lambda-src/core/steps";
import { harness } from "../../support/harness";
import { runHandlerInChild } from "./child";
import { lambdaContext } from "./context";

export class SimulatedCrash extends Error {
  override readonly name = "SimulatedCrash";
}

/** A lease that has already ended: the Lambda that held it is past its timeout. */
export const EXPIRED_LEASE = 0;

/**
 * The handler, except that it throws SimulatedCrash right after `step` finished;
 * `observe` sees every step that finished, the crashing one included.
 */
export function crashingHandler(
  env: NodeJS.ProcessEnv,
  step: StepName,
  observe: (finished: StepName) => void = () => undefined,
): RotationHandler {
  return createHandler({
    env,
    hooks: {
      afterStep: (finished) => {
        observe(finished);
        if (finished === step) throw new SimulatedCrash(`crash after ${finished}`);
      },
    },
  });
}

/** Runs one rotation through the handler that dies right after `boundary`. */
export async function crashRightAfter(env: NodeJS.ProcessEnv, boundary: StepName): Promise<void> {
  const stepsSeen: StepName[] = [];
  const crashing = crashingHandler(env, boundary, (step) => stepsSeen.push(step));

  await expect(crashing({ action: "rotate" }, lambdaContext(EXPIRED_LEASE))).rejects.toThrow(
    SimulatedCrash,
  );
  expect(stepsSeen.at(-1)).toBe(boundary);
}

/** Runs the built bundle in a child process, SIGKILLed right after `killAfter` finished. */
export async function killRightAfter(env: NodeJS.ProcessEnv, killAfter: StepName): Promise<void> {
  const killed = await runHandlerInChild({
    moduleFile: harness().bundle.indexPath,
    env,
    killAfter,
    remainingMs: EXPIRED_LEASE,
  });

  expect(killed.signal).toBe("SIGKILL");
  expect(killed.outcome).toBeUndefined();
  // The kill came after the step finished, not before it ran.
  expect(killed.stdout).toContain(`"step":"${killAfter}"`);
}
