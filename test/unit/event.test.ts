/**
 * The event contract (lambda-src/event.ts, docs/operations.md §Events): the shipped sample
 * events parse to their actions through the real schema, and everything else is refused with
 * invalid-event naming what was received and the accepted shapes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RotationError } from "../../lambda-src/errors";
import {
  ACTIONS,
  parseAction,
  parseEcsDeploymentEvent,
  parseInvocation,
} from "../../lambda-src/event";

const EVENTS = join(__dirname, "../../events");
const sample = (file: string): unknown => JSON.parse(readFileSync(join(EVENTS, file), "utf8"));

const ECS_DEPLOYMENT_SAMPLES = ["completed", "failed", "in-progress"] as const;

describe("the sample events in events/", () => {
  const files = readdirSync(EVENTS).filter((f) => f.endsWith(".json"));

  it("include one per action, the scheduled event and ECS's three deployment events", () => {
    expect(files.sort()).toEqual(
      [
        ...ACTIONS.map((a) => `${a}.json`),
        "scheduled-event.json",
        "secrets-manager-step.json",
        ...ECS_DEPLOYMENT_SAMPLES.map((kind) => `ecs-deployment-${kind}.json`),
      ].sort(),
    );
  });

  it("secrets-manager-step.json is Secrets Manager's step event", () => {
    expect(parseInvocation(sample("secrets-manager-step.json"))).toEqual({
      kind: "step",
      step: "createSecret",
      secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/prod/db-AbCdEf",
      token: "5f0a2b6e-0f4c-4c7e-9d43-2a1f7c9b8e11",
    });
  });

  it.each(ECS_DEPLOYMENT_SAMPLES)(
    "ecs-deployment-%s.json (AWS's documented shape) is an ECS deployment event, not an action",
    (kind) => {
      const event = sample(`ecs-deployment-${kind}.json`);
      expect(parseEcsDeploymentEvent(event)).toEqual({
        serviceArn: "arn:aws:ecs:us-west-2:111122223333:service/default/servicetest",
        eventName: `SERVICE_DEPLOYMENT_${kind.toUpperCase().replace("-", "_")}`,
        deploymentId: "ecs-svc/123",
        reason: expect.any(String),
      });
      expect(() => parseAction(event)).toThrow(/invalid-event|not one this function accepts/);
    },
  );

  it("an ECS event of another detail-type, or without a deployment id, is not one", () => {
    const event = sample("ecs-deployment-completed.json") as Record<string, unknown>;
    const detail = event.detail as Record<string, unknown>;
    expect(parseEcsDeploymentEvent({ ...event, "detail-type": "ECS Task State Change" })).toBe(
      undefined,
    );
    expect(
      parseEcsDeploymentEvent({ ...event, detail: { ...detail, deploymentId: undefined } }),
    ).toBe(undefined);
    expect(parseEcsDeploymentEvent({ ...event, resources: [] })).toBe(undefined);
    expect(parseEcsDeploymentEvent({ action: "rotate" })).toBe(undefined);
  });

  it.each(ACTIONS)("%s.json asks for that action", (action) => {
    expect(parseAction(sample(`${action}.json`))).toBe(action);
  });

  it("scheduled-event.json (a schedule target without input) rotates", () => {
    expect(parseAction(sample("scheduled-event.json"))).toBe("rotate");
  });
});

describe("parseAction refuses every other payload", () => {
  const scheduled = sample("scheduled-event.json") as Record<string, unknown>;
  it.each([
    ["a bare string", "dry-run", 'the string "dry-run"'],
    ["a number", 7, "a number"],
    ["null", null, "null"],
    ["no event", undefined, "no event"],
    ["an array", [], "an array"],
    ["an empty object", {}, "no keys"],
    ["a capitalised key", { Action: "dry-run" }, 'keys "Action" (no action key)'],
    ["an unknown action", { action: "rotate-now" }, 'action "rotate-now"'],
    ["a non-string action", { action: 7 }, "an action of type number"],
    ["an extra key", { action: "rotate", force: true }, 'keys "action", "force"'],
    ["a half scheduled event", { source: "aws.events", "detail-type": "Scheduled Event" }, "keys"],
    ["another source", { ...scheduled, source: "my.app" }, '"source"'],
  ])("%s", (_what, event, shown) => {
    let error: unknown;
    try {
      parseAction(event);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RotationError);
    const failure = error as RotationError;
    expect(failure.kind).toBe("invalid-event");
    expect(failure.step).toBe("handler");
    expect(failure.stateLeft).toBe("nothing changed");
    expect(failure.problem).toContain(shown);
    for (const action of ACTIONS) expect(failure.action).toContain(`{"action":"${action}"}`);
    expect(failure.action).toContain('"Scheduled Event"');
  });
});

describe("parseInvocation: Secrets Manager's step events", () => {
  const step = JSON.parse(
    readFileSync(join(EVENTS, "secrets-manager-step.json"), "utf8"),
  ) as Record<string, unknown>;

  it.each(["createSecret", "setSecret", "testSecret", "finishSecret"])("accepts %s", (name) => {
    expect(parseInvocation({ ...step, Step: name })).toMatchObject({ kind: "step", step: name });
  });

  it("accepts the optional RotationToken and still parses the actions", () => {
    expect(parseInvocation({ ...step, RotationToken: "t" })).toMatchObject({ kind: "step" });
    expect(parseInvocation({ action: "resume" })).toEqual({ kind: "action", action: "resume" });
  });

  it.each([
    ["an unknown step", { ...step, Step: "rotateSecret" }, 'Step "rotateSecret"'],
    ["no token", { Step: "setSecret", SecretId: "x" }, 'Step "setSecret"'],
    ["an extra key", { ...step, Force: true }, '"Force"'],
  ])("refuses %s with invalid-event, without quoting the SecretId or token", (_, event, shown) => {
    let error: unknown;
    try {
      parseInvocation(event);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RotationError);
    expect(error).toMatchObject({ kind: "invalid-event" });
    const message = (error as Error).message;
    expect(message).toContain(shown);
    expect(message).not.toContain("5f0a2b6e");
  });
});
