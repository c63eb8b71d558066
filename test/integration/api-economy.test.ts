/**
 * The AWS calls of one rotation, counted on the wire (scripts/lib/api-calls.ts, a proxy in
 * front of moto): a single-user rotation publishing DATABASE_URL and the password and
 * refreshing one ECS service makes at most 11 calls, reads the current and pending
 * parameters in one call, looks the KMS key up once, and between the ALTER ROLE commit and
 * the end of publish makes nothing but the writes and their read-back confirmations
 * (docs/design.md §Data flow). Real PostgreSQL, moto, the handler in-process.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { loadConfig } from "../../lambda-src/config";
import type { RoleDatabase } from "../../lambda-src/core/ports";
import { createPostgres } from "../../lambda-src/db/postgres";
import { createHandler } from "../../lambda-src/handler";
import { callsBetween, startCallCounter, type CallCounter } from "../../scripts/lib/api-calls";
import { lambdaContext } from "./support/context";
import { crashRightAfter } from "./support/crash";
import { expectRotated } from "./support/expectations";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot, type Scenario } from "./support/scenario";

jest.setTimeout(60_000);

useCapturedOutput();

/** docs/design.md §Data flow: 8 SSM calls (read, key, stage, 2 × write + confirm, finish) + 3 ECS. */
const MAX_CALLS_PER_ROTATION = 11;
const COMMIT = "ALTER ROLE committed";

let counter: CallCounter;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  const emulator = process.env.AWS_ENDPOINT_URL;
  if (!emulator) throw new Error("AWS_ENDPOINT_URL is not set: run through jest's global setup");
  counter = await startCallCounter(emulator);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await counter.stop();
});

/** The real PostgreSQL adapter, marking the log when an ALTER ROLE has committed. */
function markingCommits(s: Scenario): RoleDatabase {
  const real = createPostgres(loadConfig(s.env).db);
  return {
    canLogin: (user, password) => real.canLogin(user, password),
    async openSession(user, password) {
      const session = await real.openSession(user, password);
      return {
        currentUser: session.currentUser,
        async setPassword(role, verifier) {
          await session.setPassword(role, verifier);
          counter.mark(COMMIT);
        },
        close: () => session.close(),
      };
    },
  };
}

/** The handler with its SSM and ECS clients sent through the counter, steps marked. */
function countedHandler(s: Scenario) {
  const ssm = new SSMClient({ endpoint: counter.endpoint });
  const ecs = new ECSClient({ endpoint: counter.endpoint });
  clients.push(ssm, ecs);
  return createHandler({
    env: s.env,
    clients: { ssm, ecs, database: markingCommits(s) },
    hooks: { afterStep: (step) => counter.mark(`after ${step}`) },
  });
}

const lastPublishMarker = () =>
  [...counter.log]
    .reverse()
    .find((e) => e.kind === "marker" && e.label.startsWith("after publish-"));

test("a rotation with one ECS service makes at most 11 AWS calls, only writes and confirmations in the publish gap", async () => {
  const s = await createScenario({ services: 1 });
  const before = await snapshot(s);
  const handler = countedHandler(s);
  counter.reset();

  const result = await handler({ action: "rotate" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated", services: [{ ok: true }] });
  await expectRotated(s, s.initialPassword, before);
  const calls = counter.operations();
  // The calls themselves in the failure message: which one is too many.
  expect({ count: calls.length, calls }).toEqual({
    count: Math.min(calls.length, MAX_CALLS_PER_ROTATION),
    calls,
  });
  expect(calls.filter((c) => c.startsWith("ecs:")).length).toBeGreaterThan(0);
  // The current and pending parameters in one read; the key looked up once, before the commit.
  expect(calls.filter((c) => c === "ssm:GetParameters")).toHaveLength(1);
  expect(calls.filter((c) => c === "ssm:DescribeParameters")).toHaveLength(1);
  expect(calls.slice(0, 2)).toEqual(["ssm:GetParameters", "ssm:DescribeParameters"]);

  const last = lastPublishMarker();
  if (last?.kind !== "marker") throw new Error("no publish step finished");
  const gap = callsBetween(counter.log, COMMIT, last.label);
  // DATABASE_URL, then the password: each write followed by its read-back confirmation.
  expect(gap).toEqual([
    "ssm:PutParameter",
    "ssm:GetParameter",
    "ssm:PutParameter",
    "ssm:GetParameter",
  ]);
});

test("a recovery run looks the key up once, before it publishes", async () => {
  const s = await createScenario({ services: 1 });
  const before = await snapshot(s);
  await crashRightAfter(s.env, "verify");
  const handler = countedHandler(s);
  counter.reset();

  const result = await handler({ action: "resume" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "recovered" });
  await expectRotated(s, s.initialPassword, before);
  const calls = counter.operations();
  expect(calls.filter((c) => c === "ssm:DescribeParameters")).toHaveLength(1);
  const last = lastPublishMarker();
  if (last?.kind !== "marker") throw new Error("no publish step finished");
  expect(callsBetween(counter.log, "after recover", last.label)).toEqual([
    "ssm:PutParameter",
    "ssm:GetParameter",
    "ssm:PutParameter",
    "ssm:GetParameter",
  ]);
});
