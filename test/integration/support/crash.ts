/**
 * The crash matrix's two ways to die, shared by the single-user and alternating-users fault
 * tests: in-process, a hook that throws right after a step; and a real process running the
 * built bundle, killed with SIGKILL right after a step. Each checks the run died where told,
 * with its lease already expired so that the next run recovers at once.
 */
import { createHandler } from "../../../lambda-src/handler";
import type { StepName } from "../../../lambda-src/steps";
import { buildZipBytes, extractBundle, type ExtractedBundle } from "./bundle";
import { runHandlerInChild } from "./child";
import { lambdaContext } from "./context";

class SimulatedCrash extends Error {}

/** A lease that has already ended: the Lambda that held it is past its timeout. */
const EXPIRED_LEASE = 0;

/** Runs one rotation through the handler that dies right after `boundary`. */
export async function crashRightAfter(env: NodeJS.ProcessEnv, boundary: StepName): Promise<void> {
  const stepsSeen: StepName[] = [];
  const crashing = createHandler({
    env,
    hooks: {
      afterStep: (step) => {
        stepsSeen.push(step);
        if (step === boundary) throw new SimulatedCrash(`crash after ${step}`);
      },
    },
  });

  await expect(crashing({ action: "rotate" }, lambdaContext(EXPIRED_LEASE))).rejects.toThrow(
    SimulatedCrash,
  );
  expect(stepsSeen.at(-1)).toBe(boundary);
}

/** The built bundle, extracted once for the calling describe block (or file). */
export function useBuiltBundle(): () => ExtractedBundle {
  let bundle: ExtractedBundle | undefined;
  beforeAll(() => {
    bundle = extractBundle(buildZipBytes());
  });
  afterAll(() => bundle?.remove());
  return () => {
    if (bundle === undefined) throw new Error("the bundle is extracted in beforeAll");
    return bundle;
  };
}

/** Runs the bundle in a child process, SIGKILLed right after `killAfter` finished. */
export async function killRightAfter(
  bundle: ExtractedBundle,
  env: NodeJS.ProcessEnv,
  killAfter: StepName,
): Promise<void> {
  const killed = await runHandlerInChild({
    moduleFile: bundle.indexFile,
    env,
    killAfter,
    remainingMs: EXPIRED_LEASE,
  });

  expect(killed.signal).toBe("SIGKILL");
  expect(killed.outcome).toBeUndefined();
  // The kill came after the step finished, not before it ran.
  expect(killed.stdout).toContain(`"step":"${killAfter}"`);
}
