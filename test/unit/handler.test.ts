import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { ConfigError } from "../../lambda-src/config";
import { RotationError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import type { DryRunReport } from "../../lambda-src/dry-run";
import type { RotationResult } from "../../lambda-src/rotation";
import type { StepName } from "../../lambda-src/core/steps";
import { FakeEcs } from "../support/fake-ecs";
import {
  FakeDatabase,
  FakeStore,
  HANDLER_ENV,
  INITIAL_PASSWORD,
  ROLE,
  asOnDemandLambda,
  fakeHandler,
} from "./fakes";

const ENV = HANDLER_ENV;

// Count client constructions; the handler tests inject fakes, so no real client is needed.
jest.mock("@aws-sdk/client-ssm", () => {
  const actual = jest.requireActual<typeof import("@aws-sdk/client-ssm")>("@aws-sdk/client-ssm");
  return { ...actual, SSMClient: jest.fn((config: object) => new actual.SSMClient(config)) };
});

let stdout: jest.SpyInstance;
beforeEach(() => {
  // Powertools writes logs and EMF to stdout; keep the test output readable.
  stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());
asOnDemandLambda();

function setup(hooks?: { afterStep?: (step: StepName) => void }) {
  return fakeHandler(ENV, hooks ? { hooks } : {});
}

const context = (remainingMs = 60_000) => ({
  awsRequestId: "req-handler",
  getRemainingTimeInMillis: () => remainingMs,
});

describe("createHandler", () => {
  it("throws ConfigError for a bad environment before building any AWS client", () => {
    jest.mocked(SSMClient).mockClear();
    expect(() => createHandler({ env: { DB_HOST: "x" } })).toThrow(ConfigError);
    expect(SSMClient).not.toHaveBeenCalled();
    createHandler({ env: ENV });
    expect(SSMClient).toHaveBeenCalledTimes(1);
  });

  it("rotates on {action: rotate} and on a bare EventBridge event", async () => {
    const { handler, database, store } = setup();
    const result = (await handler({ action: "rotate" }, context())) as RotationResult;
    expect(result.outcome).toBe("rotated");
    const scheduled: unknown = JSON.parse(
      readFileSync(join(__dirname, "../../events/scheduled-event.json"), "utf8"),
    );
    expect(((await handler(scheduled, context())) as RotationResult).outcome).toBe("rotated");
    expect(database.passwordChanges).toBe(2);
    expect(database.accepts(store.value("/app/db/password") ?? "")).toBe(true);
  });

  it("leases the rotation until the invocation's deadline, under its request ID", async () => {
    const crash = new Error("crash");
    const { handler, store, clock } = setup({
      afterStep: (step) => {
        if (step === "stage") throw crash;
      },
    });
    await expect(handler({ action: "rotate" }, context(42_000))).rejects.toBe(crash);
    const pending = JSON.parse(store.value("/app/db/password-pending") ?? "{}") as Record<
      string,
      string
    >;
    expect(pending.invocationId).toBe("req-handler");
    expect(pending.leaseExpiresAt).toBe(new Date(clock.now + 42_000).toISOString());
  });

  it("drives the ECS refresh with the clock it was given, like the lease", async () => {
    const fake = new FakeEcs();
    try {
      const td = fake.taskDefinition({ family: "app" });
      fake.service({
        cluster: "main",
        name: "web",
        controller: "CODE_DEPLOY",
        desiredCount: 1,
        taskDefinition: td,
        replacementMs: 0,
      });
      const store = new FakeStore();
      store.values.set("/app/db/password", { value: INITIAL_PASSWORD, keyId: "alias/app" });
      // An hour behind the wall clock: a refresher reading Date.now would find the deadline
      // long passed and stop no task.
      const clock = () => Date.now() - 3_600_000;
      const handler = createHandler({
        env: ENV,
        clock,
        clients: {
          store,
          database: new FakeDatabase(ROLE, INITIAL_PASSWORD),
          ecs: new ECSClient({ region: "eu-west-1" }),
        },
      });

      const result = (await handler({ action: "rotate" }, context(15 * 60_000))) as RotationResult;

      expect(result.services).toMatchObject([
        { service: "web", outcome: "completed", tasksReplaced: 1, tasksTotal: 1 },
      ]);
    } finally {
      fake.restore();
    }
  });

  it("dry-run checks everything and changes nothing", async () => {
    const { handler, store, database, refresher } = setup();
    const before = new Map(store.values);
    const report = (await handler({ action: "dry-run" }, context())) as DryRunReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.check)).toEqual([
      "password-parameter",
      "parameter-key",
      "pending-parameter",
      "current-password-login",
      "password-policy",
      "ecs-services",
      "refresh-time",
    ]);
    expect(store.values).toEqual(before);
    expect(database.passwordChanges).toBe(0);
    expect(refresher.calls).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(INITIAL_PASSWORD);
  });

  it("a failing dry-run throws, naming each failed check, without the password", async () => {
    const { handler, database } = setup();
    database.resetOutOfBand("Drifted-Passw0rd!");
    const error = await handler({ action: "dry-run" }, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RotationError);
    expect((error as RotationError).kind).toBe("dry-run-failed");
    expect((error as Error).message).toContain("current-password-login: Error: credential drift");
    expect((error as Error).message).not.toContain(INITIAL_PASSWORD);
  });

  it("an unknown action is a clear error and changes nothing", async () => {
    const { handler, store, database } = setup();
    const before = new Map(store.values);
    await expect(handler({ action: "rotate-now" }, context())).rejects.toThrow(
      /it got an object with keys "action" \(action "rotate-now"\).*\{"action":"rotate"\}/,
    );
    expect(store.values).toEqual(before);
    expect(database.passwordChanges).toBe(0);
  });

  // Before the event schema, each of these performed a production rotation.
  it.each([["dry-run"], [7], [null], [[]], [{}], [{ Action: "dry-run" }]])(
    "%p fails with invalid-event and changes nothing",
    async (event) => {
      const { handler, store, database, refresher } = setup();
      const before = new Map(store.values);
      const error = await handler(event, context()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RotationError);
      expect((error as RotationError).kind).toBe("invalid-event");
      expect(store.values).toEqual(before);
      expect(database.passwordChanges).toBe(0);
      expect(refresher.calls).toEqual([]);
    },
  );

  it("flushes metrics as EMF on every invocation, and ColdStart on the first only", async () => {
    const { handler } = setup();
    const emf = () =>
      stdout.mock.calls
        .map(([chunk]) => String(chunk))
        .filter((c) => c.includes("_aws"))
        .map((c) => JSON.parse(c) as Record<string, unknown>);
    await handler({ action: "rotate" }, context());
    expect(emf()).toEqual([
      expect.objectContaining({ ColdStart: 1 }),
      expect.objectContaining({ RotationSucceeded: 1 }),
    ]);
    stdout.mockClear();
    await handler({ action: "rotate" }, context());
    expect(emf()).toEqual([expect.objectContaining({ RotationSucceeded: 1 })]);
  });

  it("puts the invocation's request ID and cold start into every log line", async () => {
    const { handler } = fakeHandler({ ...ENV, POWERTOOLS_LOG_LEVEL: "INFO" });
    jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    await handler({ action: "rotate" }, context());
    const lines = stdout.mock.calls
      .map(([chunk]) => String(chunk))
      .filter((c) => c.includes('"step"'))
      .map((c) => JSON.parse(c) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).toMatchObject({ function_request_id: "req-handler", cold_start: true });
    }
  });
});

describe("the exported handler", () => {
  it("imports without throwing under a bad environment, and rejects every call with the ConfigError", async () => {
    const saved = process.env;
    process.env = { PATH: saved.PATH };
    try {
      let module: typeof import("../../lambda-src/handler") | undefined;
      jest.isolateModules(() => {
        module = jest.requireActual<typeof import("../../lambda-src/handler")>(
          "../../lambda-src/handler",
        );
      });
      await expect(module?.handler({ action: "rotate" }, context())).rejects.toThrow(
        /DB_HOST is required/,
      );
    } finally {
      process.env = saved;
    }
  });
});
