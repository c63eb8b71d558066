/**
 * Notifications through the handler: what an SNS subscriber and an EventBridge rule receive
 * at the end of a rotation, and that it never holds a password in any spelling.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import type { RotationResult } from "../../lambda-src/rotation";
import { expectNoSecret } from "../support/leaks";
import { INITIAL_PASSWORD, ROLE, fakeHandler } from "./fakes";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:rotation-events";
const ENV = {
  DB_HOST: "db.example",
  DB_USER: ROLE,
  PASSWORD_PARAMETER: "/app/db/password",
  DATABASE_URL_PARAMETER: "/app/db/url",
  ECS_CLUSTER: "main",
  ECS_SERVICES: "web,worker",
  POWERTOOLS_SERVICE_NAME: "orders-db-rotation",
  POWERTOOLS_LOG_LEVEL: "SILENT",
  NOTIFY_SNS_TOPIC_ARN: TOPIC,
  NOTIFY_EVENT_BUS: "ops",
  NOTIFY_EVENT_SOURCE: "com.example.rotation",
};

const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

beforeEach(() => {
  sns.reset();
  events.reset();
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
  jest.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

function setup(env: Record<string, string> = {}) {
  return fakeHandler({ ...ENV, ...env });
}

const context = (id = "req-notify") => ({
  awsRequestId: id,
  getRemainingTimeInMillis: () => 60_000,
});

/** Everything a subscriber could see, as text. */
function delivered(): string {
  return JSON.stringify([
    ...sns.commandCalls(PublishCommand).map((c) => c.args[0].input),
    ...events.commandCalls(PutEventsCommand).map((c) => c.args[0].input),
  ]);
}

function snsMessage(): Record<string, unknown> {
  const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
  return JSON.parse(input?.Message ?? "{}") as Record<string, unknown>;
}

function eventDetail(): Record<string, unknown> {
  const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
  return JSON.parse(entry?.Detail ?? "{}") as Record<string, unknown>;
}

describe("notifications", () => {
  it("announce a rotation on SNS and EventBridge with the outcome, timings and each service, and no password", async () => {
    const { handler, store } = setup();

    const result = (await handler({ action: "rotate" }, context())) as RotationResult;

    expect(result.outcome).toBe("rotated");
    const publish = sns.commandCalls(PublishCommand);
    expect(publish).toHaveLength(1);
    expect(publish[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC,
      Subject: "[orders-db-rotation] rotation succeeded: app_user@db.example:5432/postgres",
      MessageAttributes: { type: { DataType: "String", StringValue: "RotationSucceeded" } },
    });
    expect(publish[0]?.args[0].input.MessageGroupId).toBeUndefined();
    const put = events.commandCalls(PutEventsCommand);
    expect(put).toHaveLength(1);
    expect(put[0]?.args[0].input.Entries).toEqual([
      expect.objectContaining({
        EventBusName: "ops",
        Source: "com.example.rotation",
        DetailType: "RotationSucceeded",
      }),
    ]);
    const detail = eventDetail();
    expect(detail).toMatchObject({
      outcome: "rotated",
      function: "orders-db-rotation",
      invocationId: "req-notify",
      role: ROLE,
      parameters: { password: "/app/db/password", databaseUrl: "/app/db/url" },
      durationMs: result.durationMs,
      publishGapMs: result.publishGapMs,
    });
    expect((detail.steps as Array<{ step: string }>).map((s) => s.step)).toEqual(
      result.steps.map((s) => s.step),
    );
    expect(detail.services).toEqual(JSON.parse(JSON.stringify(result.services)));
    expect(snsMessage()).toEqual({ type: "RotationSucceeded", ...detail });

    const published = store.value("/app/db/password");
    expect(published).not.toBe(INITIAL_PASSWORD);
    expectNoSecret(delivered(), [INITIAL_PASSWORD, published, store.value("/app/db/url")]);
  });

  it("announce a failed refresh as RotationFailed with the error and each service's result, and no password", async () => {
    const { handler, store, refresher } = setup();
    refresher.failing.add("worker");

    const error = await handler({ action: "rotate" }, context()).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: "refresh-failed" });
    const detail = eventDetail();
    expect(events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType).toBe(
      "RotationFailed",
    );
    expect(detail).toMatchObject({
      outcome: "failed",
      error: { step: "refresh", kind: "refresh-failed" },
    });
    expect(detail.services).toEqual([
      expect.objectContaining({ service: "web", outcome: "completed" }),
      expect.objectContaining({ service: "worker", outcome: "rolled-back", ok: false }),
    ]);
    expect((detail.steps as Array<{ step: string }>).map((s) => s.step)).toContain("refresh");
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe(
      "[orders-db-rotation] rotation FAILED: app_user@db.example:5432/postgres",
    );
    expectNoSecret(delivered(), [INITIAL_PASSWORD, store.value("/app/db/password")]);
  });

  it("announce a failure before any change, without the password the database rejected", async () => {
    const { handler, database } = setup();
    database.resetOutOfBand("Drifted-Passw0rd!");

    await expect(handler({ action: "rotate" }, context())).rejects.toMatchObject({
      kind: "credential-drift",
    });

    expect(eventDetail()).toMatchObject({
      outcome: "failed",
      services: [],
      error: { step: "read", kind: "credential-drift" },
    });
    expectNoSecret(delivered(), [INITIAL_PASSWORD, "Drifted-Passw0rd!"]);
  });

  it("a notification that cannot be delivered never fails a rotation, and the other channel still gets it", async () => {
    sns.on(PublishCommand).rejects(new Error("AuthorizationError: not allowed to publish"));
    const { handler } = setup();

    const result = (await handler({ action: "rotate" }, context())) as RotationResult;

    expect(result.outcome).toBe("rotated");
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it("an event EventBridge rejects is reported as not delivered, not as sent", async () => {
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "AccessDenied", ErrorMessage: "no" }],
    });
    const { createNotifier } = await import("../../lambda-src/notify");
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(`INFO ${m}`),
      warn: (m: string) => lines.push(`WARN ${m}`),
      error: (m: string) => lines.push(`ERROR ${m}`),
    };
    const notifier = createNotifier(
      { snsTopicArn: undefined, eventBus: "ops", eventSource: "x" },
      { logger },
    );
    const deliveries = await notifier.notify({
      type: "RotationSucceeded",
      detail: {} as never,
    });
    expect(deliveries).toEqual([{ channel: "eventbridge", ok: false, detail: "AccessDenied: no" }]);
    expect(lines).toEqual(["ERROR notification not delivered"]);
  });

  it("a FIFO topic gets a message group and a deduplication id", async () => {
    const { handler } = setup({ NOTIFY_SNS_TOPIC_ARN: `${TOPIC}.fifo` });
    await handler({ action: "rotate" }, context("req-fifo"));
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      MessageGroupId: "orders-db-rotation",
      MessageDeduplicationId: "req-fifo-RotationSucceeded",
    });
  });

  it("a skipped run and a dry run notify nothing", async () => {
    const { handler } = setup();
    const results = (await Promise.all([
      handler({ action: "rotate" }, context("req-a")),
      handler({ action: "rotate" }, context("req-b")),
    ])) as RotationResult[];
    expect(results.map((r) => r.outcome).sort()).toEqual(["rotated", "skipped"]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);

    await handler({ action: "dry-run" }, context());
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it("without a topic or a bus, nothing is sent", async () => {
    const { handler } = setup({ NOTIFY_SNS_TOPIC_ARN: "", NOTIFY_EVENT_BUS: "" });
    await handler({ action: "rotate" }, context());
    expect(sns.calls()).toHaveLength(0);
    expect(events.calls()).toHaveLength(0);
  });
});
