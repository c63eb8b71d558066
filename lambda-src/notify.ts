/**
 * Notifications of a rotation's end: an SNS message and/or an EventBridge event with the
 * detail-type `RotationSucceeded` or `RotationFailed`, carrying the notice (lambda-src/
 * notice.ts: outcome, step timings, each ECS service's result within a size budget). Both
 * are optional (NOTIFY_SNS_TOPIC_ARN, NOTIFY_EVENT_BUS). A notification that cannot be
 * delivered is logged; it never fails a rotation that succeeded.
 */
import type { EventBridgeClient, EventBridgeClientConfig } from "@aws-sdk/client-eventbridge";
import type { SNSClient, SNSClientConfig } from "@aws-sdk/client-sns";
import type { Config } from "./config";
import type { RotationLogger } from "./core/ports";
import { failureNotice, snsMessage, successNotice, type RotationNotice } from "./notice";
import { describeError } from "./redact";
import type { RotationResult } from "./rotation";

export type { NoticeDetail, NoticeType, RotationNotice } from "./notice";

export interface NotificationDelivery {
  readonly channel: "sns" | "eventbridge";
  readonly ok: boolean;
  /** The message id / event id, or why the delivery failed. */
  readonly detail: string;
}

export interface Notifier {
  /** Deliver to every configured channel; never throws. */
  notify(notice: RotationNotice): Promise<NotificationDelivery[]>;
}

type Notifications = Config["notifications"];

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
function subject(notice: RotationNotice): string {
  const { detail } = notice;
  const what = notice.type === "RotationSucceeded" ? "succeeded" : "FAILED";
  const text = `[${detail.function}] rotation ${what}: ${detail.role}@${detail.database}`;
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 100);
}

export interface NotifierOptions {
  readonly logger: RotationLogger;
  readonly sns?: SNSClient;
  readonly events?: EventBridgeClient;
  /** SDK client options for the clients built here (timeouts). */
  readonly clientOptions?: SNSClientConfig & EventBridgeClientConfig;
  /** Applied to each client used here, e.g. to trace its calls (lambda-src/tracing.ts). */
  readonly captureClient?: <T>(client: T) => T;
}

/**
 * An SDK package and the client built from it, for one configured channel. The package is
 * imported here, at init, only when its channel is set: with neither set (the default), the
 * SNS and EventBridge packages are never evaluated, which keeps them out of the cold start.
 */
function channelClient<Sdk, Client>(
  load: () => Promise<Sdk>,
  build: (sdk: Sdk) => Client,
): Promise<{ readonly sdk: Sdk; readonly client: Client }> {
  const loaded = load().then((sdk) => ({ sdk, client: build(sdk) }));
  // Awaited at the first notice, which then sees the failure; until then it is not unhandled.
  loaded.catch(() => undefined);
  return loaded;
}

/** Clients are built only for the configured channels, so an unused one costs no init time. */
export function createNotifier(settings: Notifications, options: NotifierOptions): Notifier {
  const { logger } = options;
  const topic = settings.snsTopicArn;
  const bus = settings.eventBus;
  const capture = options.captureClient ?? ((client) => client);
  const clientOptions = options.clientOptions ?? {};
  const sns = topic
    ? channelClient(
        () => import("@aws-sdk/client-sns"),
        (sdk) => capture(options.sns ?? new sdk.SNSClient(clientOptions)),
      )
    : undefined;
  const events = bus
    ? channelClient(
        () => import("@aws-sdk/client-eventbridge"),
        (sdk) => capture(options.events ?? new sdk.EventBridgeClient(clientOptions)),
      )
    : undefined;

  async function toSns(notice: RotationNotice): Promise<NotificationDelivery> {
    const fifo = topic?.endsWith(".fifo") === true;
    const { sdk, client } = await (sns as NonNullable<typeof sns>);
    const out = await client.send(
      new sdk.PublishCommand({
        TopicArn: topic,
        Subject: subject(notice),
        Message: snsMessage(notice),
        // Lets a subscription filter on the outcome, e.g. only failures to the pager.
        MessageAttributes: { type: { DataType: "String", StringValue: notice.type } },
        ...(fifo
          ? {
              MessageGroupId: notice.detail.function,
              MessageDeduplicationId: `${notice.detail.invocationId}-${notice.type}`,
            }
          : {}),
      }),
    );
    return { channel: "sns", ok: true, detail: out.MessageId ?? "" };
  }

  async function toEventBridge(notice: RotationNotice): Promise<NotificationDelivery> {
    const { sdk, client } = await (events as NonNullable<typeof events>);
    const out = await client.send(
      new sdk.PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: settings.eventSource,
            DetailType: notice.type,
            Detail: JSON.stringify(notice.detail),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      return {
        channel: "eventbridge",
        ok: false,
        detail: `${entry?.ErrorCode ?? "rejected"}: ${entry?.ErrorMessage ?? "no event id"}`,
      };
    }
    return { channel: "eventbridge", ok: true, detail: entry.EventId };
  }

  const deliver = async (
    channel: NotificationDelivery["channel"],
    send: () => Promise<NotificationDelivery>,
  ): Promise<NotificationDelivery> => {
    try {
      return await send();
    } catch (error) {
      return { channel, ok: false, detail: describeError(error, []) };
    }
  };

  return {
    async notify(notice) {
      const deliveries = await Promise.all([
        ...(sns ? [deliver("sns", () => toSns(notice))] : []),
        ...(events ? [deliver("eventbridge", () => toEventBridge(notice))] : []),
      ]);
      for (const d of deliveries) {
        const fields = { step: "notify", channel: d.channel, type: notice.type, detail: d.detail };
        if (d.ok) logger.info(`notification sent`, { ...fields, outcome: "ok" });
        else logger.error(`notification not delivered`, { ...fields, outcome: "failed" });
      }
      return deliveries;
    },
  };
}

/**
 * Run a rotation and notify its end. A skipped run (another one holds the lease) notifies
 * nothing: the holder will; nor does a resume run that found nothing to resume, nor a run
 * whose refresh continues after it. The
 * rotation's own error is rethrown unchanged.
 */
export async function rotateAndNotify(
  rotation: () => Promise<RotationResult>,
  notifier: Notifier,
  config: Config,
  invocationId: string,
  clock: () => number,
): Promise<RotationResult> {
  const startedAt = clock();
  let result: RotationResult;
  try {
    result = await rotation();
  } catch (error) {
    await notifier.notify(failureNotice(config, error, invocationId, startedAt, clock()));
    throw error;
  }
  // A refresh in flight is notified once it settles (ecs/refresh-events.ts).
  const quiet: readonly string[] = [
    "skipped",
    "nothing-to-resume",
    "step-completed",
    "refresh-in-progress",
  ];
  if (!quiet.includes(result.outcome)) {
    await notifier.notify(successNotice(config, result, invocationId, clock()));
  }
  return result;
}
