/**
 * A refresh that outlives its invocation (docs/design.md §In-flight refresh): the rotation
 * finishes and records the services still deploying; ECS's deployment events (the shapes in
 * events/ecs-deployment-*.json, as ECS sends them) and the resume schedule finish the refresh
 * and report it once. Real PostgreSQL and SSM in moto; ECS is the in-process one
 * (test/support/fake-ecs.ts), because moto completes every deployment at once and so can
 * never be slower than a Lambda (EMULATOR.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import {
  REFRESH_SAFETY_MARGIN_MS,
  type RoleDatabase,
  type SecretStore,
} from "../../lambda-src/core/ports";
import { createHandler, type ResumeResult } from "../../lambda-src/handler";
import type { InFlightResult } from "../../lambda-src/ecs/refresh-events";
import type { RotationResult } from "../../lambda-src/rotation";
import { FakeEcs, type FakeServiceSpec } from "../support/fake-ecs";
import { createAlternatingScenario } from "./support/alternating";
import { GetParametersByPathCommand } from "@aws-sdk/client-ssm";
import { readParameter, ssm } from "./support/aws";
import { lambdaContext } from "./support/context";
import { expectRotated } from "./support/expectations";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot, type Scenario } from "./support/scenario";

jest.setTimeout(60_000);

/** Services in the large hand-over: more than one 8 KB parameter holds, even compressed. */
const FLEET = 320;

const output = useCapturedOutput();

const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, `../../events/${name}.json`), "utf8")) as Record<
    string,
    unknown
  >;
const RESUME_EVENT: unknown = sample("resume");

let fake: FakeEcs;
let ecs: ECSClient;

beforeEach(() => {
  fake = new FakeEcs();
  ecs = new ECSClient({ region: "eu-west-1" });
});
afterEach(() => {
  ecs.destroy();
  fake.restore();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface World {
  readonly s: Scenario;
  readonly recordName: string;
  readonly arns: Record<string, string>;
  readonly handler: ReturnType<typeof createHandler>;
}

/** A scenario whose services live in the in-process ECS, each with its own behaviour. */
type Behaviour = Omit<FakeServiceSpec, "cluster" | "name" | "taskDefinition">;

async function world(behaviours: Record<string, Behaviour>): Promise<World> {
  const s0 = await createScenario({ services: 0 });
  const recordName = `${s0.parameters.password}-refresh`;
  const td = fake.taskDefinition({
    family: `${s0.cluster}-app`,
    secrets: [{ name: "DB_PASSWORD", valueFrom: s0.parameters.password }],
  });
  const arns: Record<string, string> = {};
  for (const [name, behaviour] of Object.entries(behaviours)) {
    arns[name] = fake.service({ cluster: s0.cluster, name, taskDefinition: td, ...behaviour });
  }
  const env = {
    ...s0.env,
    ECS_CLUSTER: s0.cluster,
    ECS_SERVICES: Object.keys(behaviours).join(","),
    REFRESH_STATE_PARAMETER: recordName,
  };
  const s = { ...s0, env };
  return { s, recordName, arns, handler: createHandler({ env, clients: { ecs } }) };
}

/** A sample event from events/, about `arn` and `deploymentId`, as ECS would send it. */
function deploymentEvent(
  kind: "completed" | "failed" | "in-progress",
  arn: string,
  deploymentId: string,
): unknown {
  const event = sample(`ecs-deployment-${kind}`);
  const detail = event.detail as Record<string, unknown>;
  return {
    ...event,
    time: new Date().toISOString(),
    resources: [arn],
    detail: { ...detail, deploymentId },
  };
}

/** The rotation's invocation ends before the deployments: its deadline is only the margin. */
async function rotateWithShortDeadline(w: World): Promise<RotationResult> {
  const context = lambdaContext(REFRESH_SAFETY_MARGIN_MS + 300);
  return (await w.handler({ action: "rotate" }, context)) as RotationResult;
}

const deploymentOf = (
  result: { services: readonly { service: string; deploymentId?: string }[] },
  name: string,
) => result.services.find((r) => r.service === name)?.deploymentId as string;

test("a deadline shorter than the refresh ends the rotation 'refresh-in-progress'; the deployment events finish it, once", async () => {
  const w = await world({ web: { deployMs: 1_500 }, api: { deployMs: 3_000 } });
  const before = await snapshot(w.s);

  const result = await rotateWithShortDeadline(w);

  // The rotation itself is done: published, the pending parameter gone.
  expect(result.outcome).toBe("refresh-in-progress");
  const newPassword = await expectRotated(w.s, w.s.initialPassword, before);
  expect(result.services.map((r) => r.outcome)).toEqual(["in-flight", "in-flight"]);
  const stored = await readParameter(w.recordName);
  expect(stored?.type).toBe("String");
  expect(stored?.value).not.toContain(newPassword);
  expect(stored?.value).not.toContain(w.s.initialPassword);
  const record = JSON.parse(stored?.value ?? "{}") as { inFlight: Array<{ arn: string }> };
  expect(record.inFlight.map((e) => e.arn).sort()).toEqual([w.arns.api, w.arns.web].sort());
  expect(output.text()).toContain('"RefreshInProgress"');
  expect(output.text()).not.toContain('"RotationSucceeded":');

  const web = deploymentOf(result, "web");
  const api = deploymentOf(result, "api");
  // A start, and an end about an older deployment (out of order): neither settles anything.
  const started = await w.handler(
    deploymentEvent("in-progress", w.arns.web as string, web),
    lambdaContext(),
  );
  expect(started).toMatchObject({ outcome: "ignored" });
  const stale = await w.handler(
    deploymentEvent("completed", w.arns.api as string, "ecs-svc/older"),
    lambdaContext(),
  );
  expect(stale).toMatchObject({ outcome: "refresh-in-progress" });

  await sleep(1_700);
  const first = (await w.handler(
    deploymentEvent("completed", w.arns.web as string, web),
    lambdaContext(),
  )) as InFlightResult;
  expect(first.outcome).toBe("refresh-in-progress");
  expect(first.services.find((r) => r.service === "web")).toMatchObject({ outcome: "completed" });
  // EventBridge delivers at least once: the same event again finds web settled, and is ignored.
  const again = await w.handler(
    deploymentEvent("completed", w.arns.web as string, web),
    lambdaContext(),
  );
  expect(again).toMatchObject({ outcome: "ignored" });
  expect(await readParameter(w.recordName)).toBeDefined();

  await sleep(1_500);
  const last = (await w.handler(
    deploymentEvent("completed", w.arns.api as string, api),
    lambdaContext(),
  )) as InFlightResult;
  expect(last.outcome).toBe("refresh-completed");
  expect(last.rotation).toBeDefined();
  expect(last.services.map((r) => [r.service, r.outcome]).sort()).toEqual([
    ["api", "completed"],
    ["web", "completed"],
  ]);
  expect(await readParameter(w.recordName)).toBeUndefined();
  expect(output.text()).toContain("in-flight refresh completed");
  const late = await w.handler(
    deploymentEvent("completed", w.arns.api as string, api),
    lambdaContext(),
  );
  expect(late).toMatchObject({ outcome: "ignored" });
});

test("the last two events arriving together report the refresh exactly once", async () => {
  const w = await world({ a: { deployMs: 800 }, b: { deployMs: 800 }, c: { deployMs: 800 } });
  const result = await rotateWithShortDeadline(w);
  expect(result.outcome).toBe("refresh-in-progress");
  await sleep(1_000);

  const results = (await Promise.all(
    ["a", "b", "c"].map((name) =>
      w.handler(
        deploymentEvent("completed", w.arns[name] as string, deploymentOf(result, name)),
        lambdaContext(),
      ),
    ),
  )) as InFlightResult[];

  const finals = results.filter((r) => r.outcome === "refresh-completed");
  expect(finals).toHaveLength(1);
  expect(finals[0]?.services).toHaveLength(3);
  expect(await readParameter(w.recordName)).toBeUndefined();
});

test("a failed deployment and a lost event: the resume sweep asks ECS and reports the refresh failed", async () => {
  const w = await world({
    good: { deployMs: 500 },
    bad: { deployMs: 700, deploymentEnds: "ROLLED_BACK" },
  });
  const result = await rotateWithShortDeadline(w);
  expect(result.outcome).toBe("refresh-in-progress");
  await sleep(900);

  // The FAILED event arrives; the COMPLETED one for "good" never does.
  const failed = (await w.handler(
    deploymentEvent("failed", w.arns.bad as string, deploymentOf(result, "bad")),
    lambdaContext(),
  )) as InFlightResult;
  expect(failed.outcome).toBe("refresh-in-progress");
  expect(failed.services.find((r) => r.service === "bad")).toMatchObject({
    outcome: "rolled-back",
  });

  const resumed = (await w.handler(RESUME_EVENT, lambdaContext())) as ResumeResult;

  expect(resumed.outcome).toBe("nothing-to-resume");
  expect(resumed.inFlightRefresh?.outcome).toBe("refresh-failed");
  const byName = Object.fromEntries(
    (resumed.inFlightRefresh?.services ?? []).map((r) => [r.service, r.outcome]),
  );
  expect(byName).toEqual({ good: "completed", bad: "rolled-back" });
  expect(resumed.inFlightRefresh?.reason).toContain("1 of 2 ECS service(s) not refreshed");
  expect(await readParameter(w.recordName)).toBeUndefined();
  expect(output.text()).toContain('"kind":"refresh-failed"');
  expect(output.text()).toContain('"RotationFailed"');
});

test("an event for a service not in flight is ignored without a login or a secret read", async () => {
  const w = await world({ web: { deployMs: 2_000 } });
  const result = await rotateWithShortDeadline(w);
  expect(result.outcome).toBe("refresh-in-progress");
  const recordBefore = await readParameter(w.recordName);
  const refuse = () =>
    Promise.reject(new Error("an ECS event must not touch secrets or the database"));
  const store = { getSecureString: refuse, getValue: refuse } as unknown as SecretStore;
  const database = { canLogin: refuse, openSession: refuse } as unknown as RoleDatabase;
  const handler = createHandler({ env: w.s.env, clients: { ecs, store, database } });
  const describesBefore = fake.commandsNamed("DescribeServices").length;

  const other = `${(w.arns.web as string).replace(/\/web$/, "/someone-else")}`;
  const ignored = await handler(deploymentEvent("completed", other, "ecs-svc/1"), lambdaContext());

  expect(ignored).toMatchObject({ outcome: "ignored" });
  expect(fake.commandsNamed("DescribeServices")).toHaveLength(describesBefore);
  expect(await readParameter(w.recordName)).toEqual(recordBefore);
});

test("a task-by-task replacement cut short continues on the resume tick, and finishes there", async () => {
  const w = await world({
    bluegreen: { controller: "CODE_DEPLOY", desiredCount: 3, replacementMs: 400 },
  });
  const before = fake.runningTasks(w.s.cluster, "bluegreen").map((t) => t.arn);
  const env = { ...w.s.env, ECS_STOP_TASK_PACING_SECONDS: "0" };
  const handler = createHandler({ env, clients: { ecs } });

  // Room for one replacement (400 ms) before the margin, not three.
  const result = (await handler(
    { action: "rotate" },
    lambdaContext(REFRESH_SAFETY_MARGIN_MS + 600),
  )) as RotationResult;

  expect(result.outcome).toBe("refresh-in-progress");
  expect(result.services[0]).toMatchObject({ restartMethod: "stop-tasks", outcome: "in-flight" });
  const record = JSON.parse((await readParameter(w.recordName))?.value ?? "{}") as {
    inFlight: Array<{ tasks: { remaining: string[]; replaced: number; total: number } }>;
  };
  const tasks = record.inFlight[0]?.tasks;
  expect(tasks?.total).toBe(3);
  expect((tasks?.replaced ?? 0) + (tasks?.remaining.length ?? 0)).toBeLessThanOrEqual(3);
  expect(tasks?.remaining.length).toBeGreaterThan(0);

  const resumed = (await handler(RESUME_EVENT, lambdaContext())) as ResumeResult;

  expect(resumed.inFlightRefresh?.outcome).toBe("refresh-completed");
  expect(resumed.inFlightRefresh?.services[0]).toMatchObject({
    outcome: "completed",
    tasksTotal: 3,
  });
  // Every task that ran before the rotation was stopped, each exactly once.
  const stopped = fake.commandsNamed("StopTask").map((c) => c.input.task as string);
  expect([...stopped].sort()).toEqual([...before].sort());
  expect(await readParameter(w.recordName)).toBeUndefined();
});

test("a revoke whose refresh is handed over leaves the previous role alone, and says how to finish", async () => {
  const s = await createAlternatingScenario();
  const td = fake.taskDefinition({ family: `${s.cluster}-app` });
  fake.service({ cluster: s.cluster, name: "web", taskDefinition: td, deployMs: 5_000 });
  const env = { ...s.env, ECS_CLUSTER: s.cluster, ECS_SERVICES: "web" };

  const result = (await createHandler({ env, clients: { ecs } })(
    sample("revoke"),
    lambdaContext(REFRESH_SAFETY_MARGIN_MS + 300),
  )) as RotationResult;

  expect(result.outcome).toBe("refresh-in-progress");
  // Tasks may still use the previous role: its password must keep working until they are gone.
  expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
  expect(output.text()).toContain("the previously published role keeps its password");
  expect(output.text()).toContain('invoke {\\"action\\":\\"revoke\\"} again');
});

/** Every parameter the record left under its own path (its parts), with their values. */
async function partsOf(recordName: string): Promise<Map<string, string>> {
  const out = await ssm().send(
    new GetParametersByPathCommand({ Path: recordName, Recursive: true, MaxResults: 10 }),
  );
  const parts = new Map<string, string>();
  for (const p of out.Parameters ?? []) parts.set(p.Name ?? "", p.Value ?? "");
  return parts;
}

test("a refresh too large for one 8 KB parameter is handed over in parts; the sweep and the last event finish it, once", async () => {
  // Service names as fleets name them; the hand-over's record is far beyond one parameter.
  const fleet = Array.from(
    { length: FLEET },
    (_, i) => `orders-${i}-${(i * 2654435761) % 2 ** 32}`,
  );
  const behaviours: Record<string, Behaviour> = Object.fromEntries(
    fleet.map((name) => [name, { deployMs: 600 }]),
  );
  behaviours.slow = { deployMs: 2_500 };
  const w = await world(behaviours);
  const before = await snapshot(w.s);

  const result = await rotateWithShortDeadline(w);

  expect(result.outcome).toBe("refresh-in-progress");
  const newPassword = await expectRotated(w.s, w.s.initialPassword, before);
  expect(result.services.filter((r) => r.outcome === "in-flight")).toHaveLength(FLEET + 1);
  const head = await readParameter(w.recordName);
  expect(JSON.parse(head?.value ?? "{}")).toMatchObject({ inFlight: FLEET + 1, settled: 0 });
  const parts = await partsOf(w.recordName);
  expect(parts.size).toBeGreaterThanOrEqual(2);
  for (const value of [head?.value ?? "", ...parts.values()]) {
    expect(value.length).toBeLessThanOrEqual(8192);
    expect(value).not.toContain(newPassword);
    expect(value).not.toContain(w.s.initialPassword);
  }

  // The fleet's events are lost; the sweep asks ECS for every service, ten per call.
  await sleep(800);
  const swept = (await w.handler(RESUME_EVENT, lambdaContext())) as ResumeResult;
  expect(swept.inFlightRefresh?.outcome).toBe("refresh-in-progress");
  const still = (swept.inFlightRefresh?.services ?? []).filter((r) => r.outcome === "in-flight");
  expect(still.map((r) => r.service)).toEqual(["slow"]);

  await sleep(2_000);
  const last = (await w.handler(
    deploymentEvent("completed", w.arns.slow as string, deploymentOf(result, "slow")),
    lambdaContext(),
  )) as InFlightResult;

  expect(last.outcome).toBe("refresh-completed");
  expect(last.services).toHaveLength(FLEET + 1);
  expect(last.services.every((r) => r.outcome === "completed")).toBe(true);
  expect(await readParameter(w.recordName)).toBeUndefined();
  expect((await partsOf(w.recordName)).size).toBe(0);
  expect(output.text().match(/in-flight refresh completed/g)).toHaveLength(1);
  const late = (await w.handler(RESUME_EVENT, lambdaContext())) as ResumeResult;
  expect(late.inFlightRefresh).toBeUndefined();
});
