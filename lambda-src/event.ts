/**
 * The event contract (docs/operations.md §Events): which payloads the function accepts and
 * what each one does. Anything else fails with `invalid-event` before any client is used,
 * so a typo (`"dry-run"` as a bare string, `{"Action": "dry-run"}`) never rotates.
 *
 * - `{"action": "rotate"}`: rotate, or finish an interrupted rotation. The module's schedule
 *   sends exactly this; an EventBridge "Scheduled Event" (a target without input) also rotates.
 * - `{"action": "dry-run"}`: read and log in, change nothing.
 * - `{"action": "resume"}`: finish an interrupted rotation; never start one. The resume
 *   schedule sends this.
 * - `{"action": "revoke"}`: after a leak, every managed role ends with a password no one has
 *   seen (docs/operations.md §Emergency revoke).
 * - `{"Step": "createSecret" | "setSecret" | "testSecret" | "finishSecret", "SecretId",
 *   "ClientRequestToken"}`: Secrets Manager's rotation step (SECRET_STORE=secretsmanager).
 * - An ECS "ECS Deployment State Change" event (the module's deployment rule sends them):
 *   judges that service in the in-flight refresh record, if it is there
 *   (ecs/refresh-events.ts); for any other service it does nothing.
 */
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import * as z from "zod/mini";
import { rotationError } from "./errors";

export const ACTIONS = ["rotate", "dry-run", "resume", "revoke"] as const;
export type RotationAction = (typeof ACTIONS)[number];

/** `{"action": "<one of ACTIONS>"}` and nothing else: an extra key is more likely a typo. */
const actionEvent = z.strictObject({ action: z.enum(ACTIONS) });

/**
 * The envelope EventBridge delivers for a schedule rule whose target sets no input. Every
 * field it always carries is required, so an object that merely mentions `source` is refused.
 */
const scheduledEvent = z.looseObject({
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  "detail-type": z.literal("Scheduled Event"),
  source: z.literal("aws.events"),
  account: z.string().check(z.regex(/^[0-9]{12}$/)),
  time: z.iso.datetime(),
  region: z.string().check(z.minLength(1)),
  resources: z.array(z.string()),
  detail: z.looseObject({}),
});

/**
 * Secrets Manager's rotation event. `RotationToken` (sent for a secret in another account's
 * rotation setup) is accepted and not needed; anything else extra is refused.
 */
const stepEvent = z.strictObject({
  Step: z.enum(["createSecret", "setSecret", "testSecret", "finishSecret"]),
  SecretId: z.string().check(z.minLength(1), z.maxLength(2048)),
  ClientRequestToken: z.string().check(z.minLength(32), z.maxLength(64)),
  RotationToken: z.optional(z.string()),
});

/**
 * What ECS sends to EventBridge when a service deployment changes state (AWS docs: "Amazon
 * ECS service deployment state change events"); samples in events/ecs-deployment-*.json.
 * Only what the function reads is checked; other fields may come and go.
 */
const ecsDeploymentEvent = z.looseObject({
  "detail-type": z.literal("ECS Deployment State Change"),
  source: z.literal("aws.ecs"),
  id: z.string().check(z.minLength(1)),
  time: z.iso.datetime(),
  resources: z.array(z.string().check(z.startsWith("arn:"))).check(z.minLength(1)),
  detail: z.looseObject({
    eventType: z.string(),
    eventName: z.enum([
      "SERVICE_DEPLOYMENT_IN_PROGRESS",
      "SERVICE_DEPLOYMENT_COMPLETED",
      "SERVICE_DEPLOYMENT_FAILED",
    ]),
    deploymentId: z.string().check(z.minLength(1)),
    reason: z.optional(z.string()),
  }),
});

export interface EcsDeploymentEvent {
  /** The service ARN (the event's first resource). */
  readonly serviceArn: string;
  readonly eventName: z.infer<typeof ecsDeploymentEvent>["detail"]["eventName"];
  readonly deploymentId: string;
  readonly reason: string | undefined;
}

/** The ECS deployment event `event` is, or undefined when it is none. */
export function parseEcsDeploymentEvent(event: unknown): EcsDeploymentEvent | undefined {
  const parsed = ecsDeploymentEvent.safeParse(event, { jitless: true });
  if (!parsed.success) return undefined;
  const { resources, detail } = parsed.data;
  return {
    serviceArn: resources[0] as string,
    eventName: detail.eventName,
    deploymentId: detail.deploymentId,
    reason: detail.reason,
  };
}

export const ACCEPTED_EVENTS =
  ACTIONS.map((action) => JSON.stringify({ action })).join(", ") +
  ', an EventBridge "Scheduled Event" (source "aws.events"), which rotates, an ' +
  '"ECS Deployment State Change" (source "aws.ecs"), which continues an in-flight refresh, or ' +
  'Secrets Manager\'s {"Step": "createSecret"|"setSecret"|"testSecret"|"finishSecret", ' +
  '"SecretId": ..., "ClientRequestToken": ...}';

/** What an invocation asks for: one of ACTIONS, or one of Secrets Manager's steps. */
export type Invocation =
  | { readonly kind: "action"; readonly action: RotationAction }
  | {
      readonly kind: "step";
      readonly step: z.output<typeof stepEvent>["Step"];
      readonly secretId: string;
      readonly token: string;
    };

/** Like parseAction, and Secrets Manager's step events too. */
export function parseInvocation(event: unknown): Invocation {
  const asStep = stepEvent.safeParse(event, { jitless: true });
  if (asStep.success) {
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = asStep.data;
    return { kind: "step", step, secretId, token };
  }
  return { kind: "action", action: parseAction(event) };
}

/** The action `event` asks for; raises invalid-event (at step "handler") for anything else. */
export function parseAction(event: unknown): RotationAction {
  // Once per invocation: zod's compiled fast path would cost more to build than it saves.
  const asAction = actionEvent.safeParse(event, { jitless: true });
  if (asAction.success) return asAction.data.action;
  if (scheduledEvent.safeParse(event, { jitless: true }).success) return "rotate";
  throw rotationError(
    "invalid-event",
    { step: "handler" },
    {
      shown: describeEvent(event),
      accepted: ACCEPTED_EVENTS,
    },
  );
}

/**
 * A short, value-free description of a refused event: its type, or its keys and, when it
 * has one, its action. Other values are not quoted: an event may carry anything.
 */
export function describeEvent(event: unknown): string {
  if (event === null) return "null";
  if (event === undefined) return "no event";
  if (Array.isArray(event)) return "an array";
  if (typeof event !== "object") {
    if (typeof event === "string" && event.length <= 40)
      return `the string ${JSON.stringify(event)}`;
    return `a ${typeof event}`;
  }
  const record = event as Record<string, unknown>;
  const keys = Object.keys(record)
    .slice(0, 10)
    .map((k) => JSON.stringify(k.slice(0, 40)));
  if (typeof record.Step === "string" && record.Step.length <= 40) {
    return `an object with keys ${keys.join(", ")} (Step ${JSON.stringify(record.Step)})`;
  }
  const action = record.action;
  const shownAction =
    typeof action === "string" && action.length <= 40
      ? `action ${JSON.stringify(action)}`
      : action === undefined
        ? "no action key"
        : `an action of type ${typeof action}`;
  return `an object with ${keys.length === 0 ? "no keys" : `keys ${keys.join(", ")}`} (${shownAction})`;
}
