/**
 * One rotation at a time (docs/design.md §Invariants 4): the pending parameter, created with
 * Overwrite=false, is the lock. A second run while it is held exits cleanly, says why, and
 * changes nothing.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { createHandler } from "../../lambda-src/handler";
import type { RotationResult } from "../../lambda-src/rotation";
import { lambdaContext } from "./support/context";
import { expectRotated } from "./support/expectations";
import { deferred, holdResponse } from "./support/interleave";
import { useCapturedOutput } from "./support/output";
import { seedPending } from "./support/pending";
import { createScenario, snapshot, testPassword } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

// Several rounds: a race that loses only sometimes must not pass by luck.
test.each([1, 2, 3, 4, 5])(
  "two invocations started at once: one rotates, the other is skipped as in progress (round %i)",
  async () => {
    const s = await createScenario();
    const before = await snapshot(s);
    const mark = markServerLog(s.h);
    // Two Lambda containers: separate handlers, clients and connections.
    const [a, b] = [createHandler({ env: s.env }), createHandler({ env: s.env })];

    const settled = await Promise.allSettled([
      a({ action: "rotate" }, lambdaContext()),
      b({ action: "rotate" }, lambdaContext()),
    ]);

    const failures = settled.filter((r) => r.status === "rejected").map((r) => String(r.reason));
    expect(failures).toEqual([]);
    const results = settled.map((r) => (r as PromiseFulfilledResult<RotationResult>).value);
    expect(results.map((r) => r.outcome).sort()).toEqual(["rotated", "skipped"]);
    const skipped = results.find((r) => r.outcome === "skipped");
    expect(skipped?.reason).toMatch(/rotation in progress/);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
    await expectRotated(s, s.initialPassword, before);
  },
);

test("a run that read 'no pending' just before another run staged and applied is skipped, not failed as credential drift", async () => {
  const s = await createScenario();
  const before = await snapshot(s);
  const mark = markServerLog(s.h);
  const laterSawNoPending = deferred();
  const earlierApplied = deferred();
  const slowSsm = new SSMClient({});
  holdResponse(
    slowSsm,
    // Step 1 reads the password and pending parameters in one call.
    "GetParametersCommand",
    s.parameters.pending,
    laterSawNoPending,
    earlierApplied.promise,
  );
  const later = createHandler({ env: s.env, clients: { ssm: slowSsm } });
  const earlier = createHandler({
    env: s.env,
    hooks: { afterStep: (step) => (step === "apply" ? earlierApplied.resolve() : undefined) },
  });

  // The later run has read the password and found no pending parameter; only then does the
  // earlier run stage and apply, before the later run logs in with what it read.
  const laterRun = later({ action: "rotate" }, lambdaContext()).then(
    (result) => ({ result }),
    (error: unknown) => ({ error: String(error) }),
  );
  await laterSawNoPending.promise;
  const earlierResult = await earlier({ action: "rotate" }, lambdaContext());
  const laterOutcome = await laterRun;

  expect(earlierResult).toMatchObject({ outcome: "rotated" });
  expect(laterOutcome).toMatchObject({
    result: { outcome: "skipped", reason: expect.stringMatching(/rotation in progress/) },
  });
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  await expectRotated(s, s.initialPassword, before);
});

test("a run that finds another run's unexpired lease is skipped and changes nothing", async () => {
  const s = await createScenario();
  const now = Date.now();
  const holder = "the-invocation-still-running";
  await seedPending(
    s,
    testPassword(),
    { invocationId: holder, deadline: now + 600_000 },
    now - 1_000,
  );
  const before = await snapshot(s);
  const mark = markServerLog(s.h);

  // Both invocations of one function have the same timeout: a lease further ahead than the
  // contender's own deadline could not have been set by a run, and is not honoured.
  const sameTimeout = lambdaContext(600_000);
  const result = await createHandler({ env: s.env })({ action: "rotate" }, sameTimeout);

  expect(result).toMatchObject({ outcome: "skipped" });
  expect((result as RotationResult).reason).toMatch(
    new RegExp(`rotation in progress by ${holder}`),
  );
  expect(await snapshot(s)).toEqual(before);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toEqual([]);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});
