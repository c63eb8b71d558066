/**
 * The ECS refresh of a real rotation (handler, PostgreSQL, SSM in the shared moto) against
 * ECS in a moto of its own (its task state machine is held at RUNNING, a process-wide
 * setting). Several services on both deployment controllers, discovery by task-definition
 * secrets, and the timeout paths. What moto cannot do (deployments that take time, FAILED,
 * rolled back; pages of ListServices: moto ignores maxResults) is in test/unit/ecs.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import type { DryRunReport } from "../../lambda-src/dry-run";
import { RotationError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import type { RotationResult } from "../../lambda-src/rotation";
import { startLocalMoto, type AwsEmulator } from "../support/moto";
import { lambdaContext } from "./support/context";
import { useCapturedOutput } from "./support/output";
import {
  TaskScheduler,
  createCluster,
  createService,
  holdTasksRunning,
  primaryDeployment,
  recordCommands,
  registerTaskDefinition,
  tasksOf,
} from "./support/ecs-emulator";
import { readParameter } from "./support/aws";
import { expectRotated } from "./support/expectations";
import { createScenario, snapshot, type Scenario } from "./support/scenario";

let moto: AwsEmulator;
let ecs: ECSClient;
let scheduler: TaskScheduler | undefined;
const output = useCapturedOutput();

beforeAll(async () => {
  moto = await startLocalMoto();
  await holdTasksRunning(moto.endpoint);
  ecs = new ECSClient({ endpoint: moto.endpoint });
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});
afterAll(async () => {
  ecs?.destroy();
  await moto?.stop();
});

/** A rotation scenario whose ECS cluster (s.cluster) lives in this file's moto. */
async function scenario(): Promise<Scenario> {
  const s = await createScenario({ services: 0 });
  await createCluster(ecs, s.cluster);
  return s;
}

function handlerFor(s: Scenario, env: Record<string, string>) {
  return createHandler({ env: { ...s.env, ...env }, clients: { ecs } });
}

const byName = (result: Pick<RotationResult, "services">) =>
  Object.fromEntries(result.services.map((r) => [r.service, r]));

test("a rotation refreshes ECS services (rolling) and CODE_DEPLOY services (stop-tasks), each verified", async () => {
  const s = await scenario();
  const { cluster } = s;
  const td = await registerTaskDefinition(ecs, `${cluster}-app`, [
    { name: "DB_PASSWORD", valueFrom: s.parameters.password },
  ]);
  await createService(ecs, cluster, { name: "web", taskDefinition: td });
  await createService(ecs, cluster, { name: "api", taskDefinition: td });
  await createService(ecs, cluster, {
    name: "checkout",
    taskDefinition: td,
    controller: "CODE_DEPLOY",
    desiredCount: 2,
    tasks: 2,
  });
  // Not listed, in the same cluster: moto's ListTasks ignores serviceName, so this proves the
  // refresh never touches another service's tasks.
  await createService(ecs, cluster, {
    name: "bystander",
    taskDefinition: td,
    controller: "CODE_DEPLOY",
    tasks: 1,
  });
  scheduler = new TaskScheduler(ecs, 200);
  scheduler.watch(cluster, "checkout", td, 2);
  scheduler.start();
  const before = {
    web: await primaryDeployment(ecs, cluster, "web"),
    api: await primaryDeployment(ecs, cluster, "api"),
    checkout: (await tasksOf(ecs, cluster, "checkout")).map((t) => t.taskArn),
    bystander: (await tasksOf(ecs, cluster, "bystander")).map((t) => t.taskArn),
  };
  const stateBefore = await snapshot(s);

  const env = {
    ECS_CLUSTER: cluster,
    ECS_SERVICES: "web,api,checkout",
    ECS_STOP_TASK_PACING_SECONDS: "0",
  };
  const result = (await handlerFor(s, env)(
    { action: "rotate" },
    lambdaContext(),
  )) as RotationResult;

  expect(result.outcome).toBe("rotated");
  const { web, api, checkout } = byName(result);
  expect(web).toMatchObject({ restartMethod: "rolling", outcome: "completed", ok: true, cluster });
  expect(api).toMatchObject({ restartMethod: "rolling", outcome: "completed", ok: true });
  expect(web?.deploymentId).toBe(await primaryDeployment(ecs, cluster, "web"));
  expect(web?.deploymentId).not.toBe(before.web);
  expect(api?.deploymentId).not.toBe(before.api);
  expect(checkout).toMatchObject({
    restartMethod: "stop-tasks",
    outcome: "completed",
    ok: true,
    tasksReplaced: 2,
    tasksTotal: 2,
  });
  const after = await tasksOf(ecs, cluster, "checkout");
  const stopped = after.filter((t) => before.checkout.includes(t.taskArn));
  expect(stopped.map((t) => t.desiredStatus)).toEqual(["STOPPED", "STOPPED"]);
  expect(stopped[0]?.stoppedReason).toMatch(/^Secret rotated by rds-secret-rotation/);
  expect(after.filter((t) => t.desiredStatus === "RUNNING")).toHaveLength(2);
  const bystander = await tasksOf(ecs, cluster, "bystander");
  expect(bystander.map((t) => [t.taskArn, t.desiredStatus])).toEqual(
    before.bystander.map((arn) => [arn, "RUNNING"]),
  );
  // Each service's outcome, restart method and duration are also in the log, one line each.
  const lines = output
    .text()
    .split("\n")
    .filter(
      (line) => line.includes('"step":"refresh"') && line.includes("service refresh completed"),
    )
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((l) => [l.ecsService, l.restartMethod, l.outcome]).sort()).toEqual([
    ["api", "rolling", "completed"],
    ["checkout", "stop-tasks", "completed"],
    ["web", "rolling", "completed"],
  ]);
  expect(lines.every((l) => typeof l.durationMs === "number")).toBe(true);
  await expectRotated(s, s.initialPassword, stateBefore);
});

test("discovery refreshes exactly the services whose task definition reads a rotated parameter, by name or ARN", async () => {
  const s = await scenario();
  const { cluster } = s;
  const arn = `arn:aws:ssm:us-east-1:123456789012:parameter${s.parameters.password}`;
  const families = {
    byName: [{ name: "DB_PASSWORD", valueFrom: s.parameters.password }],
    byArn: [{ name: "DB_PASSWORD", valueFrom: arn }],
    url: [{ name: "DATABASE_URL", valueFrom: s.parameters.databaseUrl ?? "" }],
    other: [{ name: "API_KEY", valueFrom: `${s.parameters.password}-other` }],
    none: [],
  };
  const definitions = Object.fromEntries(
    await Promise.all(
      Object.entries(families).map(async ([k, secrets]) => [
        k,
        await registerTaskDefinition(ecs, `${cluster}-${k}`, secrets),
      ]),
    ),
  ) as Record<keyof typeof families, string>;
  // 23 services: DescribeServices must be called in batches of at most ten.
  const kinds = Object.keys(families) as Array<keyof typeof families>;
  const readers: string[] = [];
  for (let i = 0; i < 23; i++) {
    const kind = kinds[i % kinds.length] as keyof typeof families;
    const name = `svc-${String(i).padStart(2, "0")}-${kind}`;
    await createService(ecs, cluster, { name, taskDefinition: definitions[kind] });
    if (kind === "byName" || kind === "byArn" || kind === "url") readers.push(name);
  }
  const untouched = `svc-03-other`;
  const untouchedBefore = await primaryDeployment(ecs, cluster, untouched);
  const calls = recordCommands(ecs);

  const result = (await handlerFor(s, { ECS_DISCOVERY_CLUSTERS: cluster })(
    { action: "rotate" },
    lambdaContext(),
  )) as RotationResult;

  expect(result.services.map((r) => r.service).sort()).toEqual(readers.sort());
  expect(result.services.every((r) => r.ok && r.restartMethod === "rolling")).toBe(true);
  expect(await primaryDeployment(ecs, cluster, untouched)).toBe(untouchedBefore);
  const describeBatches = calls
    .filter((c) => c.command === "DescribeServicesCommand")
    .map((c) => (c.input as { services: string[] }).services.length);
  expect(describeBatches.slice(0, 3)).toEqual([10, 10, 3]);
  expect(Math.max(...describeBatches)).toBeLessThanOrEqual(10);
  // moto returns every service on the first page whatever maxResults says (EMULATOR.md);
  // following nextToken is proven against the in-process ECS in test/unit/ecs.
  expect(calls.filter((c) => c.command === "ListServicesCommand")).toEqual([
    { command: "ListServicesCommand", input: { cluster, maxResults: 100 } },
  ]);
  // Each distinct task definition is read once.
  expect(calls.filter((c) => c.command === "DescribeTaskDefinitionCommand")).toHaveLength(
    kinds.length,
  );
});

test("a deployment that never completes and a task that is never replaced time out: the run fails after publishing, and stops no second task", async () => {
  const s = await scenario();
  const { cluster } = s;
  const td = await registerTaskDefinition(ecs, `${cluster}-app`, []);
  // desiredCount 2 with one running: moto keeps this rollout IN_PROGRESS forever.
  await createService(ecs, cluster, { name: "slow", taskDefinition: td, desiredCount: 2 });
  await createService(ecs, cluster, {
    name: "stuck",
    taskDefinition: td,
    controller: "CODE_DEPLOY",
    desiredCount: 2,
    tasks: 2,
  });
  await createService(ecs, cluster, { name: "fine", taskDefinition: td });
  const stuckBefore = (await tasksOf(ecs, cluster, "stuck")).map((t) => t.taskArn);

  const started = Date.now();
  const error = await handlerFor(s, {
    ECS_CLUSTER: cluster,
    ECS_SERVICES: "slow,stuck,fine",
    ECS_WAIT_TIMEOUT_SECONDS: "2",
  })({ action: "rotate" }, lambdaContext()).catch((e: unknown) => e);
  const elapsed = Date.now() - started;

  expect(error).toBeInstanceOf(RotationError);
  const failure = error as RotationError;
  expect(failure).toMatchObject({ kind: "refresh-failed", step: "refresh" });
  expect(failure.message).toContain(
    `2 of 3 ECS service(s) not refreshed: ${cluster}/slow timed-out (still in progress`,
  );
  expect(failure.message).toContain(`${cluster}/stuck timed-out (stopped task`);
  expect(failure.report?.services.map((r) => [r.service, r.outcome])).toEqual([
    ["slow", "timed-out"],
    ["stuck", "timed-out"],
    ["fine", "completed"],
  ]);
  // Concurrent: both waited their 2 s side by side, not one after the other.
  expect(elapsed).toBeGreaterThanOrEqual(2_000);
  expect(elapsed).toBeLessThan(6_000);
  // One task stopped and not replaced: the second one was left running.
  const stuck = await tasksOf(ecs, cluster, "stuck");
  expect(
    stuckBefore.map((arn) => stuck.find((t) => t.taskArn === arn)?.desiredStatus).sort(),
  ).toEqual(["RUNNING", "STOPPED"]);
  // The rotation itself completed: new password published, pending parameter gone.
  const after = await snapshot(s);
  expect(after.pending).toBeUndefined();
  expect(after.password?.value).not.toBe(s.initialPassword);
  expect(await s.h.canLogin(s.role, after.password?.value ?? "")).toBe(true);
});

test("the wait ends before the Lambda's own timeout, leaving a margin to hand the refresh over", async () => {
  const s = await scenario();
  const { cluster } = s;
  const td = await registerTaskDefinition(ecs, `${cluster}-app`, []);
  await createService(ecs, cluster, { name: "slow", taskDefinition: td, desiredCount: 2 });

  const started = Date.now();
  // 13 s left and the default 600 s wait: the refresh may use about 3 s (10 s margin).
  const result = (await handlerFor(s, { ECS_CLUSTER: cluster, ECS_SERVICES: "slow" })(
    { action: "rotate" },
    lambdaContext(13_000),
  )) as RotationResult;
  const elapsed = Date.now() - started;

  // The rotation is done; the deployment continues, recorded for ECS's events and the resume sweep.
  expect(result.outcome).toBe("refresh-in-progress");
  expect(result.services[0]).toMatchObject({ outcome: "in-flight", restartMethod: "rolling" });
  expect(elapsed).toBeGreaterThanOrEqual(2_000);
  expect(elapsed).toBeLessThan(4_500);
  expect((await snapshot(s)).pending).toBeUndefined();
  const record = await readParameter(s.env.REFRESH_STATE_PARAMETER as string);
  expect(JSON.parse(record?.value ?? "{}")).toMatchObject({
    inFlight: [{ service: "slow", cluster, deploymentId: result.services[0]?.deploymentId }],
  });
});

test("a service cut short by its own wait timeout ends 'timed-out' and is not recorded", async () => {
  const s = await scenario();
  const { cluster } = s;
  const td = await registerTaskDefinition(ecs, `${cluster}-app`, []);
  await createService(ecs, cluster, { name: "slow", taskDefinition: td, desiredCount: 2 });

  const env = { ECS_CLUSTER: cluster, ECS_SERVICES: "slow", ECS_WAIT_TIMEOUT_SECONDS: "2" };
  const error = await handlerFor(s, env)({ action: "rotate" }, lambdaContext()).catch(
    (e: unknown) => e,
  );

  expect(error).toMatchObject({ kind: "refresh-failed" });
  expect((error as RotationError).report?.services[0]).toMatchObject({ outcome: "timed-out" });
  expect(await readParameter(s.env.REFRESH_STATE_PARAMETER as string)).toBeUndefined();
});

test("dry run: reports the plan from moto and changes nothing", async () => {
  const s = await scenario();
  const { cluster } = s;
  const td = await registerTaskDefinition(ecs, `${cluster}-app`, [
    { name: "DB_PASSWORD", valueFrom: s.parameters.password },
  ]);
  await createService(ecs, cluster, { name: "web", taskDefinition: td });
  await createService(ecs, cluster, {
    name: "checkout",
    taskDefinition: td,
    controller: "CODE_DEPLOY",
    tasks: 1,
  });
  const before = await primaryDeployment(ecs, cluster, "web");
  const tasksBefore = await tasksOf(ecs, cluster, "checkout");

  const report = await handlerFor(s, { ECS_DISCOVERY_CLUSTERS: cluster })(
    { action: "dry-run" },
    lambdaContext(),
  );

  expect(report).toMatchObject({ outcome: "dry-run", ok: true });
  const plan = [...(report as DryRunReport).plan].sort((a, b) =>
    a.service.localeCompare(b.service),
  );
  expect(plan).toEqual([
    expect.objectContaining({
      service: "checkout",
      controller: "CODE_DEPLOY",
      restartMethod: "stop-tasks",
    }),
    expect.objectContaining({ service: "web", restartMethod: "rolling", source: "discovered" }),
  ]);
  expect(await primaryDeployment(ecs, cluster, "web")).toBe(before);
  expect(await tasksOf(ecs, cluster, "checkout")).toEqual(tasksBefore);
});
