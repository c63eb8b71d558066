/**
 * A refresh of any fleet size is still reported: the SNS message and the EventBridge detail
 * stay within NOTICE_BYTES (SNS and EventBridge refuse more than 256 KB), the report log line
 * within a CloudWatch Logs event, and both still count every service per outcome, list the
 * services that need action first, and say how many they leave out and where the rest is.
 * Sizes are measured in UTF-8 bytes of exactly what is sent: the PublishCommand's Message,
 * the PutEvents entry's Detail, and the line the Powertools logger writes to stdout.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import type { RefreshOutcome, ServiceRefresh } from "../../lambda-src/core/ports";
import type { RefreshRecord, RefreshRecordStore } from "../../lambda-src/core/refresh-record";
import { LOG_LIST_BYTES, utf8Bytes } from "../../lambda-src/core/service-digest";
import { onDeploymentEvent } from "../../lambda-src/ecs/refresh-events";
import { rotationError } from "../../lambda-src/errors";
import { NOTICE_BYTES, failureNotice, successNotice } from "../../lambda-src/notice";
import { createNotifier } from "../../lambda-src/notify";
import { createLogger } from "../../lambda-src/observability";
import { FakeEcs } from "../support/fake-ecs";
import { HANDLER_ENV, MemoryLogger, MemoryMetrics, fakeHandler, testConfig } from "./fakes";
import { fleetRecord } from "./secrets/record-fleet";

/** What SNS, EventBridge and CloudWatch Logs take per message, entry and event. */
const AWS_LIMIT = 256 * 1024;
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:rotation-events";
const config = testConfig({ NOTIFY_SNS_TOPIC_ARN: TOPIC, NOTIFY_EVENT_BUS: "ops" });
const snsMock = mockClient(SNSClient);
const eventsMock = mockClient(EventBridgeClient);

beforeEach(() => {
  snsMock.reset();
  eventsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
});

/**
 * A realistic settled fleet (test/unit/secrets/record-fleet.ts: ECS's ARN and deployment id
 * shapes, a third replaced task by task), with every `failEvery`-th service failed, rolled
 * back or timed out in turn.
 */
function fleet(size: number, failEvery: number): ServiceRefresh[] {
  const bad: RefreshOutcome[] = ["failed", "rolled-back", "timed-out"];
  const settled = fleetRecord({ services: size, settledShare: 1, stopTasksShare: 0.3 }).settled;
  return settled.map((s, i) => {
    if (i % failEvery !== failEvery - 1) return s;
    const outcome = bad[Math.floor(i / failEvery) % bad.length] as RefreshOutcome;
    const detail = `deployment ${s.deploymentId ?? "ecs-svc/0"} ${outcome}: tasks failed to start`;
    return { ...s, outcome, ok: false, detail };
  });
}

const needsAction = (s: { outcome: string }) => s.outcome !== "completed";

/** Notify through the real notifier; what the mocked clients got, as sent. */
async function sent(notice: ReturnType<typeof successNotice>) {
  const notifier = createNotifier(config.notifications, {
    logger: new MemoryLogger(),
    sns: new SNSClient({ region: "eu-west-1" }),
    events: new EventBridgeClient({ region: "eu-west-1" }),
  });
  const deliveries = await notifier.notify(notice);
  expect(deliveries.every((d) => d.ok)).toBe(true);
  const message = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? "";
  const entry = eventsMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
  const detailJson = entry?.Detail ?? "";
  const detail = JSON.parse(detailJson) as {
    services: ServiceRefresh[];
    serviceCounts: Record<string, number>;
    servicesOmitted: number;
    servicesFullList?: string;
  };
  // Both channels carry the same notice.
  expect(JSON.parse(message)).toEqual({ type: notice.type, ...detail });
  return { messageBytes: utf8Bytes(message), detailBytes: utf8Bytes(detailJson), detail };
}

/** Counts as the notice must give them. */
function countsOf(services: readonly ServiceRefresh[]) {
  const counts: Record<string, number> = {
    completed: 0,
    failed: 0,
    "rolled-back": 0,
    "timed-out": 0,
    "in-flight": 0,
  };
  for (const s of services) counts[s.outcome] = (counts[s.outcome] ?? 0) + 1;
  return counts;
}

const result = (services: readonly ServiceRefresh[]) => ({
  outcome: "rotated" as const,
  steps: [{ step: "read" as const, ms: 40 }],
  services,
  publishGapMs: 12,
  durationMs: 600_000,
});

describe("notices of any fleet size fit SNS and EventBridge", () => {
  test("5 services: every one listed in the refresh's order, counted, nothing omitted", async () => {
    const services = fleet(5, 2);
    const notice = successNotice(config, result(services), "req-5", Date.now());

    const { messageBytes, detailBytes, detail } = await sent(notice);

    expect(detail.services).toEqual(JSON.parse(JSON.stringify(services)));
    expect(detail.serviceCounts).toEqual(countsOf(services));
    expect(detail.serviceCounts).toMatchObject({ completed: 3, failed: 1, "rolled-back": 1 });
    expect(detail.servicesOmitted).toBe(0);
    expect(detail).not.toHaveProperty("servicesFullList");
    expect(messageBytes).toBeLessThan(4 * 1024);
    expect(detailBytes).toBeLessThan(messageBytes);
  });

  test.each([
    // size, every n-th needs action
    [1000, 20],
    [5000, 4],
  ])(
    "%i services: within NOTICE_BYTES, those needing action first, the omitted counted",
    async (size, failEvery) => {
      const services = fleet(size, failEvery);
      // Unbounded, SNS would refuse the (indented) message.
      expect(utf8Bytes(JSON.stringify(services, null, 2))).toBeGreaterThan(AWS_LIMIT);
      const notice = successNotice(config, result(services), "req-big", Date.now());

      const { messageBytes, detailBytes, detail } = await sent(notice);

      expect(messageBytes).toBeLessThanOrEqual(NOTICE_BYTES);
      expect(detailBytes).toBeLessThanOrEqual(NOTICE_BYTES);
      // Most of the budget is used: the list is cut by size, not by a count.
      expect(messageBytes).toBeGreaterThan(NOTICE_BYTES - 2 * 1024);
      expect(detail.serviceCounts).toEqual(countsOf(services));
      const listed = detail.services;
      expect(detail.servicesOmitted).toBe(size - listed.length);
      expect(detail.servicesOmitted).toBeGreaterThan(0);
      expect(detail.servicesFullList).toContain('"req-big"');
      // Every listed service is one of the fleet, unchanged, and none twice.
      const byName = new Map(services.map((s) => [s.service, s]));
      expect(new Set(listed.map((s) => s.service)).size).toBe(listed.length);
      for (const s of listed) expect(s).toEqual(JSON.parse(JSON.stringify(byName.get(s.service))));
      // Needing action first, failed before rolled-back before timed-out, then completed.
      const rank = ["failed", "rolled-back", "timed-out", "in-flight", "completed"];
      const ranks = listed.map((s) => rank.indexOf(s.outcome));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      const toAct = services.filter(needsAction).length;
      expect(listed.filter(needsAction)).toHaveLength(Math.min(toAct, listed.length));
    },
  );

  test("1000 services: all 50 needing action are listed, then as many completed as fit", async () => {
    const services = fleet(1000, 20);
    const { detail } = await sent(successNotice(config, result(services), "r", Date.now()));
    expect(detail.services.slice(0, 50).every(needsAction)).toBe(true);
    expect(detail.services.slice(50).every((s) => s.outcome === "completed")).toBe(true);
    expect(detail.services.length).toBeGreaterThan(50);
  });

  test("5000 failed services: a RotationFailed notice fits, its error message names ten", async () => {
    const services = fleet(5000, 1);
    const error = rotationError("refresh-failed", { step: "refresh" }, { services, problems: [] });
    error.report = { durationMs: 1000, steps: [], services };
    const notice = failureNotice(config, error, "req-fail", Date.now() - 1000, Date.now());

    const { messageBytes, detailBytes, detail } = await sent(notice);

    expect(messageBytes).toBeLessThanOrEqual(NOTICE_BYTES);
    expect(detailBytes).toBeLessThanOrEqual(NOTICE_BYTES);
    expect(error.message).toContain("5000 of 5000 ECS service(s) not refreshed");
    expect(error.message).toContain("4990 more");
    expect(utf8Bytes(error.message)).toBeLessThan(8 * 1024);
    expect(detail.serviceCounts).toEqual(countsOf(services));
    expect(detail.servicesOmitted).toBe(5000 - detail.services.length);
    expect(detail.services.every(needsAction)).toBe(true);
  });
});

describe("a rotation's last log line (step finish) fits a CloudWatch Logs event", () => {
  afterEach(() => jest.restoreAllMocks());

  test("1000 services, 40 rolled back: the error line is small, the notice counts all", async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `payments-ledger-worker-${i}`);
    const env = { ...HANDLER_ENV, POWERTOOLS_LOG_LEVEL: "INFO", NOTIFY_SNS_TOPIC_ARN: TOPIC };
    const { handler, refresher } = fakeHandler(env);
    (refresher as { services: readonly string[] }).services = names;
    for (const name of names.filter((_, i) => i % 25 === 24)) refresher.failing.add(name);
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, "write").mockImplementation((chunk) => {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        return true;
      });
    }
    const context = { awsRequestId: "req-finish", getRemainingTimeInMillis: () => 600_000 };

    await expect(handler({ action: "rotate" }, context)).rejects.toMatchObject({
      kind: "refresh-failed",
    });
    jest.restoreAllMocks();

    // A failed refresh's last line is the error, whose message names ten services; the
    // services are in the notice (and the real refresher's per-service lines).
    const last = lines.find((l) => l.includes('"kind":"refresh-failed"')) ?? "";
    expect(last).toContain("40 of 1000 ECS service(s) not refreshed");
    expect(last).toContain("30 more");
    for (const line of lines) expect(utf8Bytes(line)).toBeLessThan(16 * 1024);
    const message = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? "";
    expect(utf8Bytes(message)).toBeLessThanOrEqual(NOTICE_BYTES);
    expect(JSON.parse(message)).toMatchObject({
      serviceCounts: { completed: 960, "rolled-back": 40 },
      servicesOmitted: expect.any(Number),
    });
  });

  test("1000 services, all completed: the finish line lists what fits within LOG_LIST_BYTES", async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `payments-ledger-worker-${i}`);
    const { handler, refresher } = fakeHandler({ ...HANDLER_ENV, POWERTOOLS_LOG_LEVEL: "INFO" });
    (refresher as { services: readonly string[] }).services = names;
    const lines: string[] = [];
    jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
    const context = { awsRequestId: "req-finish", getRemainingTimeInMillis: () => 600_000 };

    await handler({ action: "rotate" }, context);
    jest.restoreAllMocks();

    const finish = lines.find((l) => l.includes('"message":"rotation rotated"')) ?? "";
    const parsed = JSON.parse(finish) as { services: unknown[]; servicesOmitted: number };
    expect(utf8Bytes(finish)).toBeLessThan(LOG_LIST_BYTES + 4 * 1024);
    expect(parsed).toMatchObject({ outcome: "rotated", serviceCounts: { completed: 1000 } });
    expect(parsed.services.length).toBeGreaterThan(100);
    expect(parsed.servicesOmitted).toBe(1000 - parsed.services.length);
  });
});

/** SSM's numbering, in memory: each write is the next version; a delete forgets it. */
class MemoryRecords implements RefreshRecordStore {
  constructor(public value: RefreshRecord | undefined) {}
  version = 1;
  async read() {
    return this.value && { record: this.value, version: this.version };
  }
  async write(record: RefreshRecord) {
    this.value = record;
    return ++this.version;
  }
  async remove() {
    const existed = this.value !== undefined;
    this.value = undefined;
    return existed;
  }
}

describe("the in-flight refresh's report line fits a CloudWatch Logs event", () => {
  let fake: FakeEcs;
  let ecs: ECSClient;
  afterEach(() => {
    ecs.destroy();
    fake.restore();
    jest.restoreAllMocks();
  });

  /** `size - 1` services settled, "web" in flight until its deployment event completes it. */
  async function finishRefresh(size: number, failEvery: number) {
    fake = new FakeEcs();
    ecs = new ECSClient({ region: "eu-west-1" });
    const td = fake.taskDefinition({ family: "app" });
    const arn = fake.service({ cluster: "main", name: "web", taskDefinition: td, deployMs: 0 });
    const out = await ecs.send(
      new UpdateServiceCommand({ cluster: "main", service: "web", forceNewDeployment: true }),
    );
    const deploymentId = out.service?.deployments?.find((d) => d.status === "PRIMARY")?.id ?? "";
    const settled = fleet(size - 1, failEvery);
    const base = fleetRecord({ services: 1, settledShare: 1 });
    const web = { service: "web", cluster: "main", arn, restartMethod: "rolling" as const };
    const inFlight = [{ ...web, startedAt: Date.now(), deploymentId, detail: "in progress" }];
    const records = new MemoryRecords({ ...base, invocationId: "rot-1", settled, inFlight });
    const lines: string[] = [];
    // Powertools writes INFO lines to stdout, ERROR lines to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, "write").mockImplementation((chunk) => {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        return true;
      });
    }
    const logConfig = testConfig({ POWERTOOLS_LOG_LEVEL: "INFO" });
    const deps = {
      config,
      records,
      ecs,
      notifier: createNotifier(config.notifications, {
        logger: new MemoryLogger(),
        sns: new SNSClient({ region: "eu-west-1" }),
        events: new EventBridgeClient({ region: "eu-west-1" }),
      }),
      logger: createLogger(logConfig.observability),
      metrics: new MemoryMetrics(),
      clock: () => Date.now(),
    };
    const event = {
      serviceArn: arn,
      eventName: "SERVICE_DEPLOYMENT_COMPLETED" as const,
      deploymentId,
      reason: undefined,
    };
    const finished = await onDeploymentEvent(deps, event);
    jest.restoreAllMocks();
    return { finished, lines, settled };
  }

  test.each([
    [5, 2, "refresh-failed"],
    [1000, 1000, "refresh-completed"],
    [5000, 4, "refresh-failed"],
  ])(
    "%i services (every %i-th needing action): the report line is bounded, the rest per service",
    async (size, failEvery, outcome) => {
      const { finished, lines, settled } = await finishRefresh(size, failEvery);

      expect(finished.outcome).toBe(outcome);
      const report = lines.find((l) => l.includes(`"outcome":"${outcome}"`)) ?? "";
      const parsed = JSON.parse(report) as {
        services: ServiceRefresh[];
        serviceCounts: Record<string, number>;
        servicesOmitted: number;
      };
      for (const line of lines) expect(utf8Bytes(line)).toBeLessThan(AWS_LIMIT);
      // The list, plus the line's other keys (the error message names at most ten services).
      expect(utf8Bytes(report)).toBeLessThan(LOG_LIST_BYTES + 8 * 1024);
      const all = [...settled, { outcome: "completed" }];
      expect(parsed.serviceCounts).toEqual(countsOf(all as ServiceRefresh[]));
      expect(parsed.servicesOmitted).toBe(size - parsed.services.length);
      if (size === 5) {
        // All fit: the whole list, in the refresh's order.
        expect(parsed.servicesOmitted).toBe(0);
        expect(parsed.services.map((s) => s.service)).toEqual([
          ...settled.map((s) => s.service),
          "web",
        ]);
      } else {
        expect(parsed.servicesOmitted).toBeGreaterThan(0);
        const toAct = settled.filter(needsAction).length;
        const first = parsed.services.slice(0, Math.min(toAct, parsed.services.length));
        expect(first.every(needsAction)).toBe(true);
        expect(parsed.services.slice(first.length).some(needsAction)).toBe(false);
      }
      // The service settled in this invocation has its own line, naming the rotation.
      const own = lines.filter((l) => l.includes('"ecsService":"web"'));
      expect(own).toHaveLength(1);
      expect(JSON.parse(own[0] ?? "{}")).toMatchObject({
        message: "service refresh completed",
        step: "refresh",
        rotation: "rot-1",
        outcome: "completed",
        cluster: "main",
      });
      // And the notice of that end fits too.
      const message = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? "";
      expect(utf8Bytes(message)).toBeLessThanOrEqual(NOTICE_BYTES);
    },
  );
});
