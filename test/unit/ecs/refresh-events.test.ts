/**
 * The record updates of an in-flight refresh under races (lambda-src/ecs/refresh-events.ts):
 * a write that another writer's write overtook is judged again from ECS and written again,
 * a record someone else finished is never re-created, and only the invocation whose delete
 * removed the record reports. The races are staged in an in-memory record store with SSM's
 * version numbering; ECS is the in-process one (test/support/fake-ecs.ts).
 */
import { ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { RefreshRecord, RefreshRecordStore } from "../../../lambda-src/core/refresh-record";
import { onDeploymentEvent, type InFlightDeps } from "../../../lambda-src/ecs/refresh-events";
import type { Notifier, RotationNotice } from "../../../lambda-src/notify";
import { FakeEcs } from "../../support/fake-ecs";
import { MemoryLogger, MemoryMetrics, testConfig } from "../fakes";

/** SSM's numbering: each write is the next version; a delete forgets it, a new write is 1. */
class VersionedStore implements RefreshRecordStore {
  value: RefreshRecord | undefined;
  version = 0;
  /** Runs right after a read, as another invocation's write would. */
  afterRead: (() => void) | undefined;
  async read() {
    const stored = this.value && { record: this.value, version: this.version };
    const race = this.afterRead;
    this.afterRead = undefined;
    race?.();
    return stored;
  }
  async write(record: RefreshRecord) {
    this.version = this.value === undefined ? 1 : this.version + 1;
    this.value = record;
    return this.version;
  }
  async remove() {
    const existed = this.value !== undefined;
    this.value = undefined;
    this.version = 0;
    return existed;
  }
}

let fake: FakeEcs;
let ecs: ECSClient;
let store: VersionedStore;
let notices: RotationNotice[];
let deps: InFlightDeps;
const arns: Record<string, string> = {};
const deployments: Record<string, string> = {};

beforeEach(async () => {
  fake = new FakeEcs();
  ecs = new ECSClient({ region: "eu-west-1" });
  store = new VersionedStore();
  notices = [];
  const notifier: Notifier = { notify: async (n) => (notices.push(n), []) };
  const config = testConfig({ ECS_CLUSTER: "main", ECS_SERVICES: "web,api" });
  const logger = new MemoryLogger();
  const metrics = new MemoryMetrics();
  deps = { config, records: store, ecs, notifier, logger, metrics, clock: () => Date.now() };
  const td = fake.taskDefinition({ family: "app" });
  for (const name of ["web", "api"]) {
    arns[name] = fake.service({ cluster: "main", name, taskDefinition: td, deployMs: 0 });
    const out = await ecs.send(
      new UpdateServiceCommand({ cluster: "main", service: name, forceNewDeployment: true }),
    );
    deployments[name] = out.service?.deployments?.find((d) => d.status === "PRIMARY")?.id as string;
  }
  await store.write(recordOf(["web", "api"]));
});
afterEach(() => {
  ecs.destroy();
  fake.restore();
});

function recordOf(inFlight: readonly string[]): RefreshRecord {
  return {
    version: 1,
    invocationId: "rotation-1",
    rotationOutcome: "rotated",
    rotationStartedAt: new Date(Date.now() - 60_000).toISOString(),
    recordedAt: new Date().toISOString(),
    publishGapMs: 40,
    inFlight: inFlight.map((name) => ({
      service: name,
      cluster: "main",
      arn: arns[name] as string,
      restartMethod: "rolling" as const,
      startedAt: Date.now() - 60_000,
      deploymentId: deployments[name] as string,
      detail: "still in progress",
    })),
    settled: [],
    problems: [],
  };
}

const completed = (name: string) => ({
  serviceArn: arns[name] as string,
  eventName: "SERVICE_DEPLOYMENT_COMPLETED" as const,
  deploymentId: deployments[name] as string,
  reason: undefined,
});

test("a write overtaken by another writer's is judged again from ECS: no verdict is lost", async () => {
  // Another invocation judged "api" from the same version and wrote first; our write of "web"
  // then overwrote its verdict (web settled, api in flight again).
  store.afterRead = () => {
    const api = {
      service: "api",
      cluster: "main",
      restartMethod: "rolling" as const,
      outcome: "completed" as const,
      ok: true,
      durationMs: 1,
      detail: "completed",
    };
    void store.write({ ...recordOf(["web"]), settled: [api] });
  };

  const result = await onDeploymentEvent(deps, completed("web"));

  // Judged again from ECS, both deployments are COMPLETED: the refresh is reported, once.
  expect(result.outcome).toBe("refresh-completed");
  expect(result.services.map((s) => [s.service, s.outcome]).sort()).toEqual([
    ["api", "completed"],
    ["web", "completed"],
  ]);
  expect(notices.map((n) => n.type)).toEqual(["RotationSucceeded"]);
  expect(store.value).toBeUndefined();
});

test("a record another invocation finished meanwhile is not created again, nor reported twice", async () => {
  // The other invocation finished and deleted the record right after our read.
  store.afterRead = () => void store.remove();

  const result = await onDeploymentEvent(deps, completed("web"));

  expect(result).toMatchObject({
    outcome: "ignored",
    reason: "another invocation finished the refresh",
  });
  expect(store.value).toBeUndefined();
  expect(notices).toEqual([]);
});

test("a FAILED event is judged by ECS: rolled back when ECS went back to the previous deployment", async () => {
  fake.service({
    cluster: "main",
    name: "bad",
    taskDefinition: fake.taskDefinition({ family: "b" }),
    deployMs: 20,
    deploymentEnds: "ROLLED_BACK",
  });
  const out = await ecs.send(
    new UpdateServiceCommand({ cluster: "main", service: "bad", forceNewDeployment: true }),
  );
  arns.bad = out.service?.serviceArn as string;
  deployments.bad = out.service?.deployments?.find((d) => d.status === "PRIMARY")?.id as string;
  await store.write(recordOf(["bad"]));
  await new Promise((resolve) => setTimeout(resolve, 40));

  const result = await onDeploymentEvent(deps, {
    ...completed("bad"),
    eventName: "SERVICE_DEPLOYMENT_FAILED",
  });

  expect(result.outcome).toBe("refresh-failed");
  expect(result.services).toEqual([
    expect.objectContaining({ service: "bad", outcome: "rolled-back", ok: false }),
  ]);
  expect(notices.map((n) => n.type)).toEqual(["RotationFailed"]);
  expect(notices[0]?.detail.error?.kind).toBe("refresh-failed");
});
