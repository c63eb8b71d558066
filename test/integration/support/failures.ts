/**
 * Running a rotation that must fail, and checking it failed cleanly: a typed error naming
 * the step, the kind and the operator's next action, and nothing changed anywhere.
 */
import { RotationError } from "../../../lambda-src/errors";
import { createHandler, type HandlerOverrides } from "../../../lambda-src/handler";
import { lambdaContext } from "./context";
import {
  createScenario,
  snapshot,
  type Scenario,
  type ScenarioOptions,
  type ScenarioState,
} from "./scenario";
import { markServerLog, passwordChanges, type LogMark } from "./server-log";

/** A scenario plus what it looked like before the run under test. */
export async function setUp(options: ScenarioOptions = {}) {
  const s = await createScenario(options);
  const before = await snapshot(s);
  return { s, before, mark: markServerLog(s.h) };
}

/** Runs one rotation that must fail; returns what it threw. */
export async function rotateExpectingFailure(
  env: NodeJS.ProcessEnv,
  clients: HandlerOverrides["clients"] = {},
): Promise<unknown> {
  const run = createHandler({ env, clients })({ action: "rotate" }, lambdaContext());
  return run.then(
    (result) => {
      throw new Error(`expected the rotation to fail, it returned ${JSON.stringify(result)}`);
    },
    (error: unknown) => error,
  );
}

export async function expectNothingChanged(s: Scenario, before: ScenarioState, mark: LogMark) {
  expect(await snapshot(s)).toEqual(before);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toEqual([]);
}

export function expectRotationError(error: unknown, kind: string, step: string): RotationError {
  expect(error).toBeInstanceOf(RotationError);
  const failure = error as RotationError;
  expect({ kind: failure.kind, step: failure.step }).toEqual({ kind, step });
  expect(failure.action.length).toBeGreaterThan(10);
  return failure;
}
