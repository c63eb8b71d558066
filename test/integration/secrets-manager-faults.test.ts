/**
 * Crash matrix for SECRET_STORE=secretsmanager (docs/design.md §Secrets Manager store): an
 * invocation that dies right after any step inside any of Secrets Manager's four steps
 * leaves AWSCURRENT or AWSPENDING holding a password the database accepts, and Secrets
 * Manager's retry of that step with the same token, then the remaining steps, complete the
 * rotation with exactly one password change. Crashes are a throwing hook in-process, and a
 * real SIGKILL of a process running the built bundle.
 */
import { randomUUID } from "node:crypto";
import type { StepName } from "../../lambda-src/core/steps";
import { createHandler } from "../../lambda-src/handler";
import { runHandlerInChild } from "./support/child";
import { lambdaContext } from "./support/context";
import { SimulatedCrash } from "./support/crash";
import { useCapturedOutput } from "./support/output";
import {
  createSmScenario,
  expectInvariant,
  labelledVersions,
  readStage,
  stepEvent,
  STEPS,
  type SmScenario,
  type Step,
} from "./support/secrets-manager";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

/** The protocol steps each Secrets Manager step runs (and a crash can follow). */
const INNER: ReadonlyArray<readonly [Step, StepName]> = [
  ["createSecret", "read"],
  ["createSecret", "stage"],
  ["setSecret", "read"],
  ["setSecret", "apply"],
  ["testSecret", "read"],
  ["testSecret", "verify"],
  ["finishSecret", "read"],
  ["finishSecret", "publish-password"],
  ["finishSecret", "refresh"],
];

/** Retry `from` with `token`, then the steps after it; expect one change and no AWSPENDING. */
async function expectFinished(s: SmScenario, from: Step, token: string, mark: number) {
  const handler = createHandler({ env: s.env });
  for (const step of STEPS.slice(STEPS.indexOf(from))) {
    await handler(stepEvent(s, step, token), lambdaContext());
    await expectInvariant(s);
  }
  const current = await readStage(s);
  expect(current?.password).not.toBe(s.initialPassword);
  expect(await s.h.canLogin(s.role, current?.password ?? "")).toBe(true);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  expect((await labelledVersions(s)).some((v) => v.stages.includes("AWSPENDING"))).toBe(false);
}

describe.each(INNER)("%s dies right after its %s step", (step, inner) => {
  test("the invariant holds, and the same token's retry completes with one change", async () => {
    const s = await createSmScenario({ services: 1 });
    const mark = markServerLog(s.h);
    const token = randomUUID();
    const handler = createHandler({ env: s.env });
    for (const earlier of STEPS.slice(0, STEPS.indexOf(step))) {
      await handler(stepEvent(s, earlier, token), lambdaContext());
    }
    const seen: StepName[] = [];
    const crashing = createHandler({
      env: s.env,
      hooks: {
        afterStep: (done) => {
          seen.push(done);
          if (done === inner) throw new SimulatedCrash(`crash after ${done}`);
        },
      },
    });
    await expect(crashing(stepEvent(s, step, token), lambdaContext())).rejects.toThrow(
      SimulatedCrash,
    );
    expect(seen.at(-1)).toBe(inner);
    await expectInvariant(s);
    await expectFinished(s, step, token, mark);
  });
});

describe("a process running the built bundle, killed with SIGKILL", () => {
  test.each([
    ["setSecret", "apply"],
    ["finishSecret", "publish-password"],
  ] as const)(
    "in %s right after %s: the invariant holds and the retry completes",
    async (step, killAfter) => {
      const s = await createSmScenario();
      const mark = markServerLog(s.h);
      const token = randomUUID();
      const handler = createHandler({ env: s.env });
      for (const earlier of STEPS.slice(0, STEPS.indexOf(step))) {
        await handler(stepEvent(s, earlier, token), lambdaContext());
      }
      const killed = await runHandlerInChild({
        moduleFile: s.h.bundle.indexPath,
        env: s.env,
        event: stepEvent(s, step, token),
        killAfter,
      });
      expect(killed.signal).toBe("SIGKILL");
      await expectInvariant(s);
      await expectFinished(s, step, token, mark);
    },
  );
});
