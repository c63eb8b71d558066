/**
 * The refresh against an in-process ECS (test/support/fake-ecs.ts) in virtual time: the
 * deployment states moto cannot produce (in progress for minutes, FAILED, rolled back,
 * replaced), services that replace stopped tasks, and list APIs that page.
 */
import { ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { createServiceRefresher, type RefreshSettings } from "../../../lambda-src/ecs/refresh";
import type { RefreshReport } from "../../../lambda-src/core/ports";
import { refreshFailure } from "../../../lambda-src/core/protocol";
import { FakeEcs } from "../../support/fake-ecs";
import { settle } from "./virtual-time";

const START = Date.UTC(2026, 0, 4, 3, 0, 0);
const MINUTE = 60_000;

let fake: FakeEcs;
let client: ECSClient;
let td: string;

beforeEach(() => {
  jest.useFakeTimers({ now: START });
  fake = new FakeEcs();
  client = new ECSClient({ region: "eu-west-1" });
  td = fake.taskDefinition({
    family: "app",
    secrets: [{ name: "DB_PASSWORD", valueFrom: "/app/db/password" }],
  });
});

afterEach(() => {
  fake.restore();
  jest.useRealTimers();
});

function settings(overrides: Partial<RefreshSettings> = {}): RefreshSettings {
  return {
    cluster: "main",
    services: [],
    discoveryClusters: [],
    rotatedParameters: ["/app/db/password", "/app/db/url"],
    restartMethod: "auto",
    serviceRestartMethods: {},
    concurrency: 5,
    waitTimeoutMs: 10 * MINUTE,
    pacingMs: 0,
    ...overrides,
  };
}

const byName = (report: RefreshReport) =>
  Object.fromEntries(report.services.map((s) => [s.service, s]));

/** Refresh with the Lambda's deadline `remainingMs` away (default: 15 minutes). */
function refresh(s: RefreshSettings, remainingMs = 15 * MINUTE) {
  const refresher = createServiceRefresher(client, s);
  return settle(refresher.refresh({ deadline: Date.now() + remainingMs }));
}

describe("rolling (ECS deployment controller)", () => {
  it("waits until each new deployment COMPLETED and reports how long each took", async () => {
    fake.service({ cluster: "main", name: "web", taskDefinition: td, deployMs: 2 * MINUTE });
    fake.service({ cluster: "main", name: "worker", taskDefinition: td, deployMs: 5 * MINUTE });

    const report = await refresh(settings({ services: ["web", "worker"] }));

    const { web, worker } = byName(report);
    expect(web).toMatchObject({ outcome: "completed", ok: true, restartMethod: "rolling" });
    expect(worker).toMatchObject({ outcome: "completed", ok: true, restartMethod: "rolling" });
    // Seen within one poll interval (5 s at most) of ECS completing it.
    expect(web?.durationMs).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(web?.durationMs).toBeLessThanOrEqual(2 * MINUTE + 5_000);
    expect(worker?.durationMs).toBeGreaterThanOrEqual(5 * MINUTE);
    expect(worker?.durationMs).toBeLessThanOrEqual(5 * MINUTE + 5_000);
    expect(web?.deploymentId).toMatch(/^ecs-svc\//);
    expect(fake.commandsNamed("UpdateService").map((c) => c.input)).toEqual([
      { cluster: "main", service: "web", forceNewDeployment: true },
      { cluster: "main", service: "worker", forceNewDeployment: true },
    ]);
    expect(refreshFailure(report)).toBeUndefined();
  });

  it("reports a FAILED deployment and a rolled-back one, and still refreshes every other service", async () => {
    fake.service({
      cluster: "main",
      name: "a",
      taskDefinition: td,
      deployMs: MINUTE,
      deploymentEnds: "FAILED",
    });
    fake.service({
      cluster: "main",
      name: "b",
      taskDefinition: td,
      deployMs: MINUTE,
      deploymentEnds: "ROLLED_BACK",
    });
    fake.service({ cluster: "main", name: "c", taskDefinition: td, deployMs: 3 * MINUTE });

    const report = await refresh(settings({ services: ["a", "b", "c"], concurrency: 1 }));

    const { a, b, c } = byName(report);
    expect(a).toMatchObject({ outcome: "failed", ok: false });
    expect(a?.detail).toContain("circuit breaker");
    expect(b).toMatchObject({ outcome: "rolled-back", ok: false });
    expect(b?.detail).toMatch(/rolled back to ecs-svc\/rollback-/);
    expect(c).toMatchObject({ outcome: "completed", ok: true });
    const failure = refreshFailure(report);
    expect(failure?.problem).toMatch(
      /^2 of 3 ECS service\(s\) not refreshed: main\/a failed .*; main\/b rolled-back/,
    );
    expect(failure?.action).toContain(
      "aws ecs update-service --cluster main --service a --force-new-deployment",
    );
    expect(failure?.action).toContain("--service b --force-new-deployment");
  });

  it("reports a deployment still in progress at the wait timeout as timed out", async () => {
    fake.service({ cluster: "main", name: "slow", taskDefinition: td, deploymentEnds: "NEVER" });

    const report = await refresh(settings({ services: ["slow"], waitTimeoutMs: 3 * MINUTE }));

    const slow = byName(report).slow;
    expect(slow).toMatchObject({ outcome: "timed-out", ok: false });
    expect(slow?.detail).toMatch(
      /^still in progress: deployment ecs-svc\/\d+: 0\/2 tasks running$/,
    );
    expect(slow?.durationMs).toBe(3 * MINUTE);
  });

  it("never waits past the Lambda's remaining time minus the safety margin, and hands the deployment over", async () => {
    const arn = fake.service({
      cluster: "main",
      name: "slow",
      taskDefinition: td,
      deploymentEnds: "NEVER",
    });

    // 40 s left in the invocation; 10 s are kept to finish and report.
    const report = await refresh(settings({ services: ["slow"] }), 40_000);

    const slow = byName(report).slow;
    expect(slow).toMatchObject({ outcome: "in-flight", ok: false, durationMs: 30_000 });
    expect(Date.now() - START).toBeLessThanOrEqual(30_000);
    expect(report.inFlight).toEqual([
      {
        service: "slow",
        cluster: "main",
        arn,
        restartMethod: "rolling",
        startedAt: START,
        deploymentId: slow?.deploymentId,
        detail: expect.stringMatching(/^still in progress: deployment ecs-svc\/\d+/),
      },
    ]);
    // In flight is not a failure: the rotation reports "refresh-in-progress" instead.
    expect(refreshFailure(report)).toBeUndefined();
  });

  it("with no time left, still starts every deployment, then hands it over unverified", async () => {
    fake.service({ cluster: "main", name: "web", taskDefinition: td, deployMs: MINUTE });

    const report = await refresh(settings({ services: ["web"] }), 5_000);

    expect(fake.commandsNamed("UpdateService")).toHaveLength(1);
    expect(byName(report).web).toMatchObject({ outcome: "in-flight", durationMs: 0 });
    expect(report.inFlight).toHaveLength(1);
  });

  it("hands over a task-by-task replacement cut short by the invocation, with the tasks left", async () => {
    fake.service({
      cluster: "main",
      name: "bluegreen",
      controller: "CODE_DEPLOY",
      desiredCount: 3,
      taskDefinition: td,
      replacementMs: 20_000,
    });
    const before = fake.runningTasks("main", "bluegreen").map((t) => t.arn);

    // 45 s left: 35 s of work, room for one replacement (20 s), not two.
    const report = await refresh(settings({ services: ["bluegreen"], pacingMs: 0 }), 45_000);

    expect(byName(report).bluegreen).toMatchObject({ outcome: "in-flight", tasksReplaced: 1 });
    const [entry] = report.inFlight ?? [];
    expect(entry?.restartMethod).toBe("stop-tasks");
    // Its health checks decide when a replacement is ready, on the next invocation too.
    expect(entry?.taskDefinition).toBe(td);
    expect(entry?.tasks?.replaced).toBe(1);
    expect(entry?.tasks?.total).toBe(3);
    // What is left are tasks that were running before, and not the one already stopped.
    const stopped = fake.commandsNamed("StopTask").map((c) => c.input.task);
    expect(entry?.tasks?.remaining.every((arn) => before.includes(arn))).toBe(true);
    expect(entry?.tasks?.remaining.some((arn) => stopped.includes(arn))).toBe(false);
    expect(entry?.tasks?.remaining.length).toBeGreaterThanOrEqual(1);
  });

  it("a wait timeout shorter than the invocation still ends 'timed-out', with nothing handed over", async () => {
    fake.service({ cluster: "main", name: "slow", taskDefinition: td, deploymentEnds: "NEVER" });

    const report = await refresh(settings({ services: ["slow"], waitTimeoutMs: MINUTE }), 600_000);

    expect(byName(report).slow).toMatchObject({ outcome: "timed-out" });
    expect(report.inFlight).toEqual([]);
  });

  it("refreshes at most `concurrency` services at once", async () => {
    const names = ["s1", "s2", "s3", "s4", "s5", "s6"];
    for (const name of names) {
      fake.service({ cluster: "main", name, taskDefinition: td, deployMs: MINUTE });
    }

    const report = await refresh(settings({ services: names, concurrency: 2 }));

    expect(report.services.every((s) => s.ok)).toBe(true);
    expect(Math.max(...fake.concurrentAtStart) + 1).toBe(2);
    // Three waves of two one-minute deployments.
    const elapsed = Date.now() - START;
    expect(elapsed).toBeGreaterThanOrEqual(3 * MINUTE);
    expect(elapsed).toBeLessThan(3 * MINUTE + 20_000);
  });

  it("follows a deployment that replaced ours, since its tasks also start after the publish", async () => {
    fake.service({ cluster: "main", name: "web", taskDefinition: td, deployMs: 2 * MINUTE });
    const refreshing = refresh(settings({ services: ["web"] }));
    // Someone deploys the service 30 s into our deployment.
    await jest.advanceTimersByTimeAsync(30_000);
    await new ECSClient({ region: "eu-west-1" }).send(
      new UpdateServiceCommand({ cluster: "main", service: "web", forceNewDeployment: true }),
    );

    const web = byName(await refreshing).web;

    const [ours, theirs] = fake.commandsNamed("UpdateService");
    expect(web).toMatchObject({ outcome: "completed", ok: true });
    expect(web?.detail).toMatch(/\(after ecs-svc\/\d+ was replaced\)$/);
    expect(web?.deploymentId).not.toBe(undefined);
    // Completed when the later deployment did, two minutes after it started.
    expect(web?.durationMs).toBeGreaterThanOrEqual(
      (theirs?.at ?? 0) - (ours?.at ?? 0) + 2 * MINUTE,
    );
  });
});

describe("stop-tasks (CODE_DEPLOY and EXTERNAL controllers)", () => {
  it("auto: replaces a CODE_DEPLOY service's tasks one at a time, each waiting for RUNNING and HEALTHY, then pacing", async () => {
    const checked = fake.taskDefinition({
      family: "checked",
      secrets: [{ name: "DB_PASSWORD", valueFrom: "/app/db/password" }],
      healthCheck: true,
    });
    fake.service({
      cluster: "main",
      name: "bluegreen",
      controller: "CODE_DEPLOY",
      desiredCount: 3,
      taskDefinition: checked,
      replacementMs: 20_000,
      healthyAfterMs: 15_000,
    });

    const report = await refresh(settings({ services: ["bluegreen"], pacingMs: 5_000 }));

    expect(byName(report).bluegreen).toMatchObject({
      restartMethod: "stop-tasks",
      outcome: "completed",
      ok: true,
      tasksReplaced: 3,
      tasksTotal: 3,
      detail: "replaced 3 of 3 task(s), each by one RUNNING and HEALTHY",
    });
    expect(fake.commandsNamed("UpdateService")).toHaveLength(0);
    const stops = fake.commandsNamed("StopTask").map((c) => c.at);
    expect(stops).toHaveLength(3);
    // Next stop only after the replacement ran (20 s), passed health checks (15 s) and the pacing (5 s).
    for (let i = 1; i < stops.length; i++) {
      expect((stops[i] ?? 0) - (stops[i - 1] ?? 0)).toBeGreaterThanOrEqual(40_000);
    }
    expect(fake.runningTasks("main", "bluegreen")).toHaveLength(3);
    expect(fake.commandsNamed("StopTask")[0]?.input.reason).toMatch(/^Secret rotated/);
  });

  it("auto: an EXTERNAL service's task definition comes from its PRIMARY task set", async () => {
    fake.service({
      cluster: "main",
      name: "external",
      controller: "EXTERNAL",
      desiredCount: 2,
      taskDefinition: td,
      replacementMs: 10_000,
    });

    const report = await refresh(settings({ services: ["external"] }));

    expect(byName(report).external).toMatchObject({ outcome: "completed", tasksReplaced: 2 });
    expect(fake.commandsNamed("DescribeTaskDefinition").map((c) => c.input.taskDefinition)).toEqual(
      [td],
    );
  });

  it("stops nothing more when a replacement never starts, and reports the timeout", async () => {
    fake.service({
      cluster: "main",
      name: "stuck",
      controller: "CODE_DEPLOY",
      desiredCount: 3,
      taskDefinition: td,
      replacementMs: undefined,
    });

    const report = await refresh(settings({ services: ["stuck"], waitTimeoutMs: 2 * MINUTE }));

    expect(fake.commandsNamed("StopTask")).toHaveLength(1);
    expect(byName(report).stuck).toMatchObject({
      outcome: "timed-out",
      tasksReplaced: 0,
      tasksTotal: 3,
      detail: expect.stringMatching(
        /^stopped task \d+, but no replacement was RUNNING in time \(replaced 0 of 3\)$/,
      ),
    });
    const failure = refreshFailure(report);
    expect(failure?.action).toContain("aws ecs list-tasks --cluster main --service-name stuck");
  });

  it("reports how many tasks were already replaced when ECS refuses a call halfway", async () => {
    fake.service({
      cluster: "main",
      name: "bluegreen",
      controller: "CODE_DEPLOY",
      desiredCount: 3,
      taskDefinition: td,
      replacementMs: 1_000,
      stopTaskRefusedAfter: 2,
    });

    const report = await refresh(settings({ services: ["bluegreen"] }));

    expect(byName(report).bluegreen).toMatchObject({
      restartMethod: "stop-tasks",
      outcome: "failed",
      ok: false,
      tasksReplaced: 2,
      tasksTotal: 3,
      detail: expect.stringMatching(
        /^replaced 2 of 3 task\(s\), then ECS refused: AccessDeniedException: .*ecs:StopTask/,
      ),
    });
    expect(refreshFailure(report)?.problem).toContain("replaced 2 of 3 task(s)");
  });

  it("does not count a replacement that never passes its health checks", async () => {
    const checked = fake.taskDefinition({ family: "checked", healthCheck: true });
    fake.service({
      cluster: "main",
      name: "sick",
      controller: "CODE_DEPLOY",
      taskDefinition: checked,
      replacementMs: 5_000,
      unhealthy: true,
    });

    const report = await refresh(settings({ services: ["sick"], waitTimeoutMs: MINUTE }));

    expect(fake.commandsNamed("StopTask")).toHaveLength(1);
    expect(byName(report).sick?.detail).toContain("no replacement was RUNNING and HEALTHY in time");
  });

  it("refuses rolling for a CODE_DEPLOY service without touching it", async () => {
    fake.service({
      cluster: "main",
      name: "bluegreen",
      controller: "CODE_DEPLOY",
      taskDefinition: td,
      replacementMs: 1,
    });

    const report = await refresh(
      settings({ services: ["bluegreen"], serviceRestartMethods: { bluegreen: "rolling" } }),
    );

    expect(byName(report).bluegreen).toMatchObject({ outcome: "failed", restartMethod: undefined });
    expect(byName(report).bluegreen?.detail).toContain(
      'restart method "rolling" cannot refresh a CODE_DEPLOY service',
    );
    expect(fake.commandsNamed("UpdateService")).toHaveLength(0);
    expect(fake.commandsNamed("StopTask")).toHaveLength(0);
  });

  it("stop-tasks can be chosen for an ECS service too", async () => {
    fake.service({
      cluster: "main",
      name: "web",
      desiredCount: 1,
      taskDefinition: td,
      replacementMs: 1_000,
    });

    const report = await refresh(settings({ services: ["web"], restartMethod: "stop-tasks" }));

    expect(byName(report).web).toMatchObject({
      restartMethod: "stop-tasks",
      outcome: "completed",
      tasksReplaced: 1,
    });
    expect(fake.commandsNamed("UpdateService")).toHaveLength(0);
  });
});

describe("discovery and pagination", () => {
  const ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password";

  it("finds, on every page of every cluster, the services whose current task definition reads a rotated parameter", async () => {
    const byArn = fake.taskDefinition({
      family: "by-arn",
      secrets: [{ name: "PW", valueFrom: ARN }],
    });
    const url = fake.taskDefinition({
      family: "url",
      secrets: [{ name: "DATABASE_URL", valueFrom: "app/db/url" }],
    });
    const other = fake.taskDefinition({
      family: "other",
      secrets: [{ name: "KEY", valueFrom: "/app/api/key" }],
    });
    const sm = fake.taskDefinition({
      family: "sm",
      secrets: [
        {
          name: "PW",
          valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/app/db/password",
        },
      ],
    });
    const elsewhere = fake.taskDefinition({
      family: "elsewhere",
      secrets: [{ name: "PW", valueFrom: ARN.replace("eu-west-1", "us-east-1") }],
    });
    // 205 services in "main": 3 pages of ListServices (100 each), 21 calls of DescribeServices.
    const readers = new Set<string>();
    const definitions = [td, byArn, url, other, sm, elsewhere];
    for (let i = 0; i < 205; i++) {
      const definition = definitions[i % definitions.length] as string;
      const name = `svc-${String(i).padStart(3, "0")}`;
      fake.service({ cluster: "main", name, taskDefinition: definition, desiredCount: 1 });
      if ([td, byArn, url].includes(definition)) readers.add(`main/${name}`);
    }
    fake.service({ cluster: "blue", name: "bg", controller: "CODE_DEPLOY", taskDefinition: byArn });
    fake.service({ cluster: "blue", name: "drained", status: "DRAINING", taskDefinition: td });

    const refresher = createServiceRefresher(
      client,
      settings({ cluster: undefined, discoveryClusters: ["main", "blue"] }),
    );
    const plan = await settle(refresher.plan());

    expect(plan.problems).toEqual([]);
    expect(new Set(plan.services.map((p) => `${p.cluster}/${p.service}`))).toEqual(
      new Set([...readers, "blue/bg"]),
    );
    expect(plan.services.find((p) => p.service === "bg")).toMatchObject({
      source: "discovered",
      restartMethod: "stop-tasks",
    });
    const listMain = fake.commandsNamed("ListServices").filter((c) => c.input.cluster === "main");
    expect(listMain.map((c) => [c.input.maxResults, c.input.nextToken])).toEqual([
      [100, undefined],
      [100, "100"],
      [100, "200"],
    ]);
    const describeMain = fake
      .commandsNamed("DescribeServices")
      .filter((c) => c.input.cluster === "main");
    expect(describeMain.map((c) => (c.input.services as string[]).length)).toEqual([
      ...Array<number>(20).fill(10),
      5,
    ]);
    // One DescribeTaskDefinition per task definition, not per service.
    expect(fake.commandsNamed("DescribeTaskDefinition")).toHaveLength(definitions.length);
  });

  it("refreshes a service both listed and discovered once, and reports a missing service and an unknown cluster", async () => {
    fake.service({ cluster: "main", name: "web", taskDefinition: td, deployMs: MINUTE });
    fake.service({ cluster: "main", name: "api", taskDefinition: td, deployMs: MINUTE });

    const report = await refresh(
      settings({ services: ["web", "gone"], discoveryClusters: ["main", "nowhere"] }),
    );

    expect(report.services.map((s) => [s.service, s.outcome])).toEqual([
      ["web", "completed"],
      ["gone", "failed"],
      ["api", "completed"],
    ]);
    expect(byName(report).gone?.detail).toBe(
      "ECS does not know this service in cluster main (MISSING)",
    );
    expect(report.problems).toEqual([
      "cannot search cluster nowhere: ClusterNotFoundException: Cluster not found.",
    ]);
    expect(fake.commandsNamed("UpdateService")).toHaveLength(2);
    expect(refreshFailure(report)?.problem).toContain("cannot search cluster nowhere");
  });

  it("lists a service's tasks on every page and describes them in calls of 100", async () => {
    const { serviceTasks } = await import("../../../lambda-src/ecs/tasks");
    fake.service({ cluster: "main", name: "big", desiredCount: 230, taskDefinition: td });
    fake.service({ cluster: "main", name: "small", desiredCount: 3, taskDefinition: td });

    const tasks = await serviceTasks(client, "main", "big");

    expect(tasks).toHaveLength(230);
    expect(fake.commandsNamed("ListTasks").map((c) => c.input.nextToken)).toEqual([
      undefined,
      "100",
      "200",
    ]);
    expect(
      fake.commandsNamed("DescribeTasks").map((c) => (c.input.tasks as string[]).length),
    ).toEqual([100, 100, 30]);
  });
});
