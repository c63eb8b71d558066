/** The dry run's ECS plan and what it says is missing, against the in-process ECS. */
import { ECSClient } from "@aws-sdk/client-ecs";
import { dryRun } from "../../lambda-src/dry-run";
import { createServiceRefresher, refreshSettings } from "../../lambda-src/ecs/refresh";
import { FakeEcs } from "../support/fake-ecs";
import { NoAdministration, createWorld } from "./fakes";

let fake: FakeEcs;
beforeEach(() => {
  fake = new FakeEcs();
});
afterEach(() => fake.restore());

/** The world's store, database and logger, with the real refresher against the in-process ECS. */
function run(env: NodeJS.ProcessEnv, remainingMs?: number) {
  const { config, store, database, logger } = createWorld(env);
  const ecs = createServiceRefresher(
    new ECSClient({ region: "eu-west-1" }),
    refreshSettings(config),
  );
  const deps = { store, database, roles: new NoAdministration(), ecs, logger };
  return dryRun(config, deps, remainingMs === undefined ? {} : { remainingMs });
}

describe("dry run: ECS", () => {
  it("reports each listed and discovered service with the restart method it would get, touching nothing", async () => {
    const td = fake.taskDefinition({
      family: "app",
      secrets: [{ name: "DATABASE_URL", valueFrom: "/app/db/url" }],
    });
    fake.service({ cluster: "main", name: "web", taskDefinition: td });
    fake.service({ cluster: "main", name: "worker", taskDefinition: td });
    fake.service({
      cluster: "blue",
      name: "checkout",
      controller: "CODE_DEPLOY",
      taskDefinition: td,
    });

    const report = await run({ ECS_DISCOVERY_CLUSTERS: "blue" }, 600_000);

    expect(report.ok).toBe(true);
    expect(report.plan).toEqual([
      expect.objectContaining({
        service: "web",
        source: "listed",
        controller: "ECS",
        restartMethod: "rolling",
      }),
      expect.objectContaining({ service: "worker", source: "listed", restartMethod: "rolling" }),
      expect.objectContaining({
        service: "checkout",
        cluster: "blue",
        source: "discovered",
        controller: "CODE_DEPLOY",
        restartMethod: "stop-tasks",
        tasks: "2/2 running",
      }),
    ]);
    const ecsCheck = report.checks.find((c) => c.check === "ecs-services");
    expect(ecsCheck?.detail).toBe(
      "3 service(s) would be refreshed: main/web (ECS → rolling), main/worker (ECS → rolling), blue/checkout (CODE_DEPLOY → stop-tasks); discovery found 1 service(s) in blue reading /app/db/password or /app/db/url",
    );
    expect(report.checks.find((c) => c.check === "refresh-time")?.detail).toBe(
      "waits up to 590 s in all (the function timeout caps ecs_wait_timeout_seconds = 600 s)",
    );
    expect(fake.commandsNamed("UpdateService")).toHaveLength(0);
    expect(fake.commandsNamed("StopTask")).toHaveLength(0);
  });

  it("says precisely what is missing: an unknown service, an impossible restart method, an unknown cluster", async () => {
    const td = fake.taskDefinition({ family: "app" });
    fake.service({ cluster: "main", name: "web", controller: "CODE_DEPLOY", taskDefinition: td });

    const report = await run({
      ECS_SERVICES: "web,gone",
      ECS_SERVICE_RESTART_METHODS: "web=rolling",
      ECS_DISCOVERY_CLUSTERS: "nowhere",
    });

    expect(report.ok).toBe(false);
    const ecsCheck = report.checks.find((c) => c.check === "ecs-services");
    expect(ecsCheck).toMatchObject({ ok: false });
    expect(ecsCheck?.detail).toContain(
      'main/web: restart method "rolling" cannot refresh a CODE_DEPLOY service',
    );
    expect(ecsCheck?.detail).toContain(
      "main/gone: ECS does not know this service in cluster main (MISSING)",
    );
    expect(ecsCheck?.detail).toContain("cannot search cluster nowhere: ClusterNotFoundException");
  });

  it("fails the time check when the function timeout leaves nothing to wait with", async () => {
    fake.service({
      cluster: "main",
      name: "web",
      taskDefinition: fake.taskDefinition({ family: "a" }),
    });
    fake.service({
      cluster: "main",
      name: "worker",
      taskDefinition: fake.taskDefinition({ family: "b" }),
    });
    const report = await run({}, 8_000);
    expect(report.checks.find((c) => c.check === "refresh-time")).toMatchObject({
      ok: false,
      detail: expect.stringContaining("raise the module variable timeout"),
    });
  });
});
