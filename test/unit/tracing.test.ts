/**
 * Tracing is opt-in and secret-free. Without POWERTOOLS_TRACE_ENABLED the Tracer module is
 * never loaded (the composition root imports it lazily), with it the SDK clients carry the
 * X-Ray middleware, and what the X-Ray SDK sends to its daemon (captured here on a local UDP
 * socket, the address the Lambda runtime would give it) holds annotations but no password.
 */
import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { ECSClient } from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { HandlerOverrides } from "../../lambda-src/handler";
import { HANDLER_ENV, INITIAL_PASSWORD, asOnDemandLambda } from "./fakes";

const ENV = HANDLER_ENV;
const TRACED = { ...ENV, POWERTOOLS_TRACE_ENABLED: "true" };

// Records when the Tracer package is evaluated; the module itself stays the real one.
const mockTracerLoads: string[] = [];
jest.mock("@aws-lambda-powertools/tracer", () => {
  mockTracerLoads.push("@aws-lambda-powertools/tracer");
  return jest.requireActual("@aws-lambda-powertools/tracer");
});

const context = { awsRequestId: "req-trace", getRemainingTimeInMillis: () => 60_000 };
const savedEnv = { ...process.env };

beforeEach(() => {
  mockTracerLoads.length = 0;
  jest.resetModules();
  jest.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...savedEnv };
});
asOnDemandLambda();

/** The handler module and fakes from a fresh registry, so each test sees its own init. */
function load() {
  const { createHandler } = jest.requireActual<typeof import("../../lambda-src/handler")>(
    "../../lambda-src/handler",
  );
  const fakes = jest.requireActual<typeof import("./fakes")>("./fakes");
  return { createHandler, fakes };
}

function fakeRun(env: NodeJS.ProcessEnv, overrides: HandlerOverrides = {}) {
  const { createHandler, fakes } = load();
  const { handler, store } = fakes.fakeHandler(env, overrides);
  return { handler, store, createHandler };
}

const xrayMiddleware = (client: SSMClient | ECSClient) =>
  client.middlewareStack.identify().filter((name) => name.startsWith("XRaySDKInstrumentation"));

describe("tracing", () => {
  it("without tracing_enabled, never loads the Tracer, at init or during a run", async () => {
    const { handler } = fakeRun(ENV);
    await handler({ action: "rotate" }, context);
    expect(mockTracerLoads).toEqual([]);
  });

  it("with tracing_enabled, captures the SDK clients before their first call", async () => {
    process.env.AWS_EXECUTION_ENV = "AWS_Lambda_nodejs22.x";
    const { createHandler } = load();
    const ssm = new SSMClient({ region: "us-east-1" });
    const ecs = new ECSClient({ region: "us-east-1" });
    const handler = createHandler({ env: TRACED, clients: { ssm, ecs } });
    // No X-Ray segment here: Powertools says so on console.warn, and the run goes untraced.
    jest.spyOn(console, "warn").mockImplementation(() => undefined);
    // An invalid event fails before any client call, after the Tracer is in place.
    await expect(handler({ action: "nope" }, context)).rejects.toThrow();
    expect(mockTracerLoads).toEqual(["@aws-lambda-powertools/tracer"]);
    expect(xrayMiddleware(ssm)).not.toEqual([]);
    expect(xrayMiddleware(ecs)).not.toEqual([]);
  });

  it("without tracing_enabled, leaves the SDK clients as they are", async () => {
    process.env.AWS_EXECUTION_ENV = "AWS_Lambda_nodejs22.x";
    const { createHandler } = load();
    const ssm = new SSMClient({ region: "us-east-1" });
    const handler = createHandler({ env: ENV, clients: { ssm } });
    await expect(handler({ action: "nope" }, context)).rejects.toThrow();
    expect(xrayMiddleware(ssm)).toEqual([]);
  });
});

describe("what a traced run sends to the X-Ray daemon", () => {
  let daemon: Socket;
  let received: string[];

  beforeEach(async () => {
    received = [];
    daemon = createSocket("udp4");
    daemon.on("message", (message) => received.push(message.toString("utf8")));
    await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
    const { port } = daemon.address() as AddressInfo;
    // What the Lambda runtime sets for an actively traced function.
    Object.assign(process.env, {
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_LAMBDA_FUNCTION_NAME: "rotator",
      LAMBDA_TASK_ROOT: "/var/task",
      _X_AMZN_TRACE_ID:
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
      AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
    });
  });
  afterEach(() => new Promise<void>((resolve) => daemon.close(() => resolve())));

  /** Wait until the handler subsegment has arrived. */
  async function handlerSubsegment(): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i++) {
      const doc = received
        .map(
          (packet) => JSON.parse(packet.slice(packet.indexOf("\n") + 1)) as Record<string, unknown>,
        )
        .find((d) => d.name === "## handler");
      if (doc) return doc;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no "## handler" subsegment among ${received.length} packets`);
  }

  it("annotates a rotation and carries no password", async () => {
    const { handler, store } = fakeRun(TRACED);
    await handler({ action: "rotate" }, context);
    const doc = await handlerSubsegment();
    expect(doc.annotations).toMatchObject({
      ColdStart: true,
      Service: "rds-secret-rotation",
      action: "rotate",
      outcome: "succeeded",
    });
    const rotated = store.value("/app/db/password") ?? "";
    expect(rotated).not.toBe(INITIAL_PASSWORD);
    for (const secret of [rotated, INITIAL_PASSWORD]) {
      expect(received.join("\n")).not.toContain(secret);
    }
  });

  it("records a failure as its kind and step, never its text", async () => {
    let leaked = "";
    const { handler } = fakeRun(TRACED, {
      hooks: {
        afterStep: (step) => {
          if (step !== "stage") return;
          leaked = `password authentication failed; tried ${INITIAL_PASSWORD}`;
          throw new Error(leaked);
        },
      },
    });
    await expect(handler({ action: "rotate" }, context)).rejects.toThrow();
    const doc = await handlerSubsegment();
    expect(doc.annotations).toMatchObject({
      action: "rotate",
      outcome: "failed",
      kind: expect.any(String),
    });
    expect(doc.fault ?? doc.error).toBe(true);
    const all = received.join("\n");
    expect(all).toContain("RotationError");
    expect(all).not.toContain(INITIAL_PASSWORD);
    expect(all).not.toContain("password authentication failed");
  });
});
