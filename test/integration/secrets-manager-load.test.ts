/**
 * The load test for SECRET_STORE=secretsmanager: simulated tasks (support/fleet.ts) keep
 * opening fresh connections with the username and password they read from the secret's
 * AWSCURRENT at launch, while three rotations run through Secrets Manager's four steps. Each
 * finishSecret's refresh restarts the tasks one by one (each reads AWSCURRENT again); between
 * setSecret's password change and the restart every task tries the database at least once.
 *
 * Asserted, as for the SSM store (load.test.ts): alternating-users has zero authentication
 * failures, because the secret carries the username and the role in use is never changed;
 * single-user has at least one per task per rotation, only with credentials read before it.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { StepName } from "../../lambda-src/core/steps";
import { createHandler } from "../../lambda-src/handler";
import { lambdaContext } from "./support/context";
import { Fleet, countAttempts, type Credentials } from "./support/fleet";
import { captureOutput } from "./support/output";
import {
  createSmScenario,
  readStage,
  stepEvent,
  STEPS,
  type SmScenario,
} from "./support/secrets-manager";

jest.setTimeout(60_000);

const ROTATIONS = 3;
const FLEET = { tasks: 4, intervalMs: 15, restartSpacingMs: 25 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function underLoad(s: SmScenario) {
  const read = async (): Promise<Credentials> => {
    const current = await readStage(s);
    return { username: current?.username ?? "", password: current?.password ?? "" };
  };
  const fleet = new Fleet(s, FLEET, read);
  const appliedAt: number[] = [];
  const afterStep = async (step: StepName) => {
    if (step === "apply") {
      const at = performance.now();
      appliedAt.push(at);
      await fleet.everyTaskAttemptedSince(at);
    }
    if (step === "refresh") await fleet.rollingRestart();
  };
  const handler = createHandler({ env: s.env, hooks: { afterStep } });
  const output = captureOutput();
  const outcomes: string[] = [];
  try {
    await fleet.start();
    await sleep(100);
    for (let i = 0; i < ROTATIONS; i += 1) {
      const token = randomUUID();
      for (const step of STEPS) {
        outcomes.push((await handler(stepEvent(s, step, token), lambdaContext())).outcome);
      }
      await sleep(100);
    }
  } finally {
    await fleet.stop();
    output.restore();
  }
  const attempts = [...fleet.attempts];
  const failuresPerRotation = Array.from(
    { length: ROTATIONS },
    (_, i) => attempts.filter((a) => a.outcome === "auth-failed" && a.generation === i).length,
  );
  const usernamesByGeneration = Array.from({ length: ROTATIONS + 1 }, (_, generation) => [
    ...new Set(attempts.filter((a) => a.generation === generation).map((a) => a.username)),
  ]);
  return {
    outcomes,
    attempts,
    counts: countAttempts(attempts),
    failuresPerRotation,
    appliedAt,
    usernamesByGeneration,
  };
}

const EXPECTED_OUTCOMES = Array.from({ length: ROTATIONS }, () => [
  "step-completed",
  "step-completed",
  "step-completed",
  "rotated",
]).flat();

test("single-user: tasks holding the previous password are refused until finishSecret's refresh restarts them", async () => {
  const s = await createSmScenario();
  const run = await underLoad(s);
  console.log(
    `secretsmanager single-user: ${JSON.stringify(run.counts)} per rotation ${run.failuresPerRotation.join(" + ")}`,
  );

  expect(run.outcomes).toEqual(EXPECTED_OUTCOMES);
  expect(run.counts.otherErrors).toBe(0);
  expect(run.failuresPerRotation.every((n) => n >= FLEET.tasks)).toBe(true);
  for (const failure of run.attempts.filter((a) => a.outcome === "auth-failed")) {
    expect(failure.endedAt).toBeGreaterThan(run.appliedAt[failure.generation] ?? Infinity);
  }
});

test("alternating-users: zero authentication failures through three rotations under load", async () => {
  const s = await createSmScenario({ strategy: "alternating-users" });
  const run = await underLoad(s);
  console.log(`secretsmanager alternating-users: ${JSON.stringify(run.counts)}`);

  expect(run.outcomes).toEqual(EXPECTED_OUTCOMES);
  expect(run.counts.authFailures).toBe(0);
  expect(run.counts.otherErrors).toBe(0);
  for (let task = 0; task < FLEET.tasks; task += 1) {
    expect(run.attempts.filter((a) => a.task === task).length).toBeGreaterThanOrEqual(10);
  }
  expect(run.usernamesByGeneration).toEqual([[s.role], [s.twin], [s.role], [s.twin]]);
  expect(run.counts.ok).toBe(run.counts.attempts);
});
