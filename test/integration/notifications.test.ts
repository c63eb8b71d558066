/**
 * Notifications over the wire: the handler publishes to an SNS topic and puts an event on an
 * EventBridge bus in moto; what moto received (SNS sent_notifications, and an archive on the
 * bus, read from moto's state) is what a subscriber and a rule would get. Neither ever holds
 * the old or the new password, in any spelling.
 */
import { SNSClient, CreateTopicCommand, PublishCommand } from "@aws-sdk/client-sns";
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  EventBridgeClient,
} from "@aws-sdk/client-eventbridge";
import { loadConfig } from "../../lambda-src/config";
import type { ServiceRefresh } from "../../lambda-src/core/ports";
import { utf8Bytes } from "../../lambda-src/core/service-digest";
import { createHandler } from "../../lambda-src/handler";
import { NOTICE_BYTES, successNotice } from "../../lambda-src/notice";
import { createNotifier } from "../../lambda-src/notify";
import type { RotationResult } from "../../lambda-src/rotation";
import { harness } from "../support/harness";
import { expectNoSecret } from "../support/leaks";
import { lambdaContext } from "./support/context";
import { useCapturedOutput } from "./support/output";
import { motoState } from "./support/ecs-emulator";
import { createScenario, snapshot, type Scenario } from "./support/scenario";

useCapturedOutput();

interface Received {
  readonly sns: Array<{ subject: string; message: Record<string, unknown>; raw: string }>;
  readonly events: Array<{ source: string; detailType: string; detail: Record<string, unknown> }>;
}

async function channels(s: Pick<Scenario, "role">) {
  const name = s.role.replace(/_/g, "-");
  const { TopicArn } = await new SNSClient({}).send(new CreateTopicCommand({ Name: name }));
  const events = new EventBridgeClient({});
  const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: name }));
  // An archive keeps every event put on the bus; moto shows its events in its state.
  await events.send(new CreateArchiveCommand({ ArchiveName: name, EventSourceArn: EventBusArn }));
  const env = {
    NOTIFY_SNS_TOPIC_ARN: TopicArn ?? "",
    NOTIFY_EVENT_BUS: name,
    NOTIFY_EVENT_SOURCE: "com.example.rotation",
  };
  const received = async (): Promise<Received> => {
    const state = await motoState(harness().aws.endpoint);
    const topic = (state.sns?.Topic ?? []).find((t) => (t as { arn: string }).arn === TopicArn) as
      { sent_notifications: Array<[string, string, string]> } | undefined;
    const archive = (state.events?.Archive ?? []).find(
      (a) => (a as { name: string }).name === name,
    ) as { events: Array<Record<string, unknown>> } | undefined;
    return {
      sns: (topic?.sent_notifications ?? []).map(([, message, subject]) => ({
        subject,
        message: JSON.parse(message) as Record<string, unknown>,
        raw: message,
      })),
      events: (archive?.events ?? []).map((e) => ({
        source: e.source as string,
        detailType: e["detail-type"] as string,
        detail: e.detail as Record<string, unknown>,
      })),
    };
  };
  return { env, received };
}

test("a rotation is announced on SNS and EventBridge with each service's result and no password", async () => {
  const s = await createScenario({ services: 2 });
  const { env, received } = await channels(s);

  const result = (await createHandler({ env: { ...s.env, ...env } })(
    { action: "rotate" },
    lambdaContext(),
  )) as RotationResult;

  expect(result.outcome).toBe("rotated");
  const got = await received();
  expect(got.sns).toHaveLength(1);
  expect(got.events).toHaveLength(1);
  const [event] = got.events;
  expect(event).toMatchObject({ source: "com.example.rotation", detailType: "RotationSucceeded" });
  expect(event?.detail).toMatchObject({
    outcome: "rotated",
    role: s.role,
    parameters: { password: s.parameters.password, databaseUrl: s.parameters.databaseUrl },
  });
  expect(event?.detail.services).toEqual(
    s.services.map((service) =>
      expect.objectContaining({
        service,
        restartMethod: "rolling",
        outcome: "completed",
        ok: true,
      }),
    ),
  );
  expect(got.sns[0]?.subject).toBe(
    `[rotation-integration-test] rotation succeeded: ${s.role}@${s.h.host}:${s.h.port}/${s.h.database}`,
  );
  expect(got.sns[0]?.message).toEqual({ type: "RotationSucceeded", ...event?.detail });

  const after = await snapshot(s);
  expectNoSecret(JSON.stringify(got), [
    s.initialPassword,
    after.password?.value,
    s.initialDatabaseUrl,
    after.databaseUrl?.value,
  ]);
});

test("a failed refresh is announced as RotationFailed, naming the service, with no password", async () => {
  const s = await createScenario({ services: 1 });
  const { env, received } = await channels(s);
  const missing = `${s.cluster}-gone`;

  await expect(
    createHandler({ env: { ...s.env, ...env, ECS_SERVICES: `${s.services[0]},${missing}` } })(
      { action: "rotate" },
      lambdaContext(),
    ),
  ).rejects.toMatchObject({ kind: "refresh-failed" });

  const got = await received();
  expect(got.events.map((e) => e.detailType)).toEqual(["RotationFailed"]);
  const detail = got.events[0]?.detail;
  expect(detail).toMatchObject({
    outcome: "failed",
    error: { step: "refresh", kind: "refresh-failed" },
  });
  expect(detail?.services).toEqual([
    expect.objectContaining({ service: s.services[0], outcome: "completed" }),
    expect.objectContaining({ service: missing, outcome: "failed", ok: false }),
  ]);
  expect(got.sns[0]?.subject).toContain("rotation FAILED");
  const after = await snapshot(s);
  expectNoSecret(JSON.stringify(got), [s.initialPassword, after.password?.value]);
});

test("a refresh of 1000 services is still announced: SNS and EventBridge take the bounded notice", async () => {
  const { env, received } = await channels({ role: "notice_fleet_1000" });
  const services = Array.from({ length: 1000 }, (_, i): ServiceRefresh => {
    const deployment = `ecs-svc/${String(1234567890123456789n + BigInt(i))}`;
    const ok = i % 40 !== 39;
    return {
      service: `payments-ledger-worker-${i}`,
      cluster: "prod-platform-shared",
      restartMethod: "rolling",
      outcome: ok ? "completed" : "rolled-back",
      ok,
      durationMs: 300_000 + i,
      deploymentId: deployment,
      detail: `deployment ${deployment} ${ok ? "completed (2/2 tasks running)" : "rolled back"}`,
    };
  });
  const config = loadConfig({
    DB_HOST: "db.example",
    DB_USER: "app_user",
    PASSWORD_PARAMETER: "/app/db/password",
    ...env,
  });
  const result = {
    outcome: "rotated" as const,
    steps: [],
    services,
    publishGapMs: 9,
    durationMs: 1,
  };
  const notice = successNotice(config, result, "req-fleet", Date.now());
  // The whole list would be refused: SNS takes 256 KB per message (moto checks it too).
  const whole = JSON.stringify({ type: notice.type, ...notice.detail, services }, null, 2);
  await expect(
    new SNSClient({}).send(
      new PublishCommand({ TopicArn: env.NOTIFY_SNS_TOPIC_ARN, Message: whole }),
    ),
  ).rejects.toThrow(/too long/i);

  const notifier = createNotifier(config.notifications, {
    logger: { info() {}, warn() {}, error() {} },
  });
  const deliveries = await notifier.notify(notice);

  expect(deliveries.map((d) => [d.channel, d.ok])).toEqual([
    ["sns", true],
    ["eventbridge", true],
  ]);
  const got = await received();
  expect(got.sns).toHaveLength(1);
  expect(utf8Bytes(got.sns[0]?.raw ?? "")).toBeLessThanOrEqual(NOTICE_BYTES);
  const detail = got.events[0]?.detail as { services: ServiceRefresh[]; servicesOmitted: number };
  expect(got.sns[0]?.message).toEqual({ type: "RotationSucceeded", ...detail });
  expect(detail).toMatchObject({ serviceCounts: { completed: 975, "rolled-back": 25 } });
  expect(detail.servicesOmitted).toBe(1000 - detail.services.length);
  expect(detail.servicesOmitted).toBeGreaterThan(0);
  expect(detail.services.slice(0, 25).every((r) => r.outcome === "rolled-back")).toBe(true);
});
