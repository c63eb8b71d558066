/**
 * The shared poller (lambda-src/ecs/poller.ts) in virtual time: its schedule and grouping
 * alone, then the refresher's DescribeServices and DescribeTasks calls against the in-process
 * ECS (test/support/fake-ecs.ts), including the benchmark's fleets of 50 and 100 services.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { DEFAULT_REFRESH_CONCURRENCY } from "../../../lambda-src/config/schema";
import { createBatchPoller } from "../../../lambda-src/ecs/poller";
import { createServiceRefresher, type RefreshSettings } from "../../../lambda-src/ecs/refresh";
import { realSleep, type Timing } from "../../../lambda-src/ecs/wait";
import { BENCH_TIMING, benchFleet } from "../../../scripts/bench-refresh";
import { FakeEcs } from "../../support/fake-ecs";
import { settle } from "./virtual-time";

const START = Date.UTC(2026, 0, 4, 3, 0, 0);
const TIMING: Timing = {
  clock: () => Date.now(),
  sleep: realSleep,
  initialPollMs: 250,
  maxPollMs: 2_000,
};

beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(() => jest.useRealTimers());

interface Query {
  readonly cluster: string;
  readonly name: string;
}

/** A poller whose looks are recorded; a query is done once `doneAt[name]` (ms from START) passed. */
function recordingPoller(doneAt: Record<string, number>, failing: string[] = []) {
  const looks: Array<{ at: number; names: string[] }> = [];
  const poller = createBatchPoller<Query, boolean>(
    TIMING,
    (q) => q.cluster,
    async (queries) => {
      looks.push({ at: Date.now() - START, names: queries.map((q) => q.name) });
      if (queries.some((q) => failing.includes(q.cluster))) throw new Error("AccessDenied");
      return queries.map((q) => Date.now() - START >= (doneAt[q.name] ?? Infinity));
    },
  );
  const wait = (cluster: string, name: string, deadline = START + 60_000, lookedAlready = false) =>
    poller.until(
      { cluster, name },
      (done) => (done ? { done: true, value: name } : { done: false }),
      deadline,
      lookedAlready,
    );
  return { poller, looks, wait };
}

describe("the batch poller", () => {
  it("keeps a lone watch's schedule: at once, doubling up to the cap, a last look at the deadline", async () => {
    const { looks, wait } = recordingPoller({});

    const result = await settle(wait("a", "slow", START + 10_000));

    expect(result).toBeUndefined();
    expect(looks.map((l) => l.at)).toEqual([0, 250, 750, 1750, 3750, 5750, 7750, 9750, 10_000]);
    expect(Date.now() - START).toBe(10_000);
  });

  it("looks at every due watch of a cluster in one look per tick, and stops looking at a finished one", async () => {
    const { poller, looks, wait } = recordingPoller({ a1: 700, a2: 3_000, a3: 3_000, b1: 3_000 });

    const results = await settle(
      Promise.all([wait("a", "a1"), wait("a", "a2"), wait("a", "a3"), wait("b", "b1")]),
    );

    expect(results).toEqual(["a1", "a2", "a3", "b1"]);
    const ticks = [...new Set(looks.map((l) => l.at))];
    expect(ticks).toEqual([0, 250, 750, 1750, 3750]);
    expect(poller.ticks()).toBe(ticks.length);
    for (const at of ticks) {
      const inTick = looks.filter((l) => l.at === at);
      // One look per cluster, never a cluster's services split over two looks.
      expect(inTick.map((l) => l.names[0]?.[0]).sort()).toEqual(["a", "b"]);
    }
    // a1 was done at 750 ms: not looked at again.
    expect(looks.filter((l) => l.at > 750).flatMap((l) => l.names)).not.toContain("a1");
    expect(looks.find((l) => l.at === 1750)?.names).toEqual(["a2", "a3"]);
  });

  it("lets a watch that started later look early, to share the others' looks", async () => {
    const { looks, wait } = recordingPoller({ x: 5_000, y: 5_000 });

    const x = wait("a", "x", START + 60_000, true);
    await jest.advanceTimersByTimeAsync(40);
    const y = wait("a", "y", START + 60_000, true);
    await settle(Promise.all([x, y]));

    // y's first look was due at 290 ms; taken at 250 ms with x's, and in step from then on.
    expect(looks[0]).toEqual({ at: 250, names: ["x", "y"] });
    expect(looks.every((l) => l.names.length === 2)).toBe(true);
  });

  it("rejects the watches of a cluster whose look fails, and keeps waiting for the others", async () => {
    const { wait } = recordingPoller({ ok: 1_000 }, ["denied"]);

    const denied = wait("denied", "d");
    const ok = wait("fine", "ok");

    await expect(settle(denied)).rejects.toThrow("AccessDenied");
    await expect(settle(ok)).resolves.toBe("ok");
  });

  it("splits a group into looks of at most `maxPerLook`; a refused look fails only the watches it carried", async () => {
    const looks: string[][] = [];
    const poller = createBatchPoller<Query, boolean>(
      TIMING,
      (q) => q.cluster,
      async (queries) => {
        looks.push(queries.map((q) => q.name));
        if (queries.some((q) => q.name === "bad")) throw new Error("ThrottlingException");
        return queries.map(() => true);
      },
      2,
    );
    const wait = (name: string) =>
      poller.until(
        { cluster: "a", name },
        (done) => (done ? { done: true, value: name } : { done: false }),
        START + 60_000,
      );

    const results = await settle(
      Promise.allSettled(["s1", "s2", "s3", "bad", "s5"].map((name) => wait(name))),
    );

    expect(looks).toEqual([["s1", "s2"], ["s3", "bad"], ["s5"]]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
  });

  it("with the deadline already passed, a caller that looked already gets no look at all", async () => {
    const { looks, wait } = recordingPoller({});

    await expect(settle(wait("a", "late", START, true))).resolves.toBeUndefined();
    expect(looks).toEqual([]);
  });
});

describe("the refresher's shared calls", () => {
  let fake: FakeEcs;
  const client = new ECSClient({ region: "eu-west-1" });

  beforeEach(() => (fake = new FakeEcs()));
  afterEach(() => fake.restore());

  const refresh = (settings: RefreshSettings, timing: Partial<Timing> = BENCH_TIMING) =>
    settle(
      createServiceRefresher(client, settings, { timing }).refresh({
        deadline: Date.now() + 900_000,
      }),
    );

  /** Rolling by default, at the default concurrency, no pacing. */
  const settings = (overrides: Partial<RefreshSettings>): RefreshSettings => ({
    cluster: undefined,
    services: [],
    discoveryClusters: [],
    rotatedParameters: [],
    restartMethod: "auto",
    serviceRestartMethods: {},
    concurrency: DEFAULT_REFRESH_CONCURRENCY,
    waitTimeoutMs: 600_000,
    pacingMs: 0,
    ...overrides,
  });

  const described = () =>
    fake.commandsNamed("DescribeServices").map((c) => ({
      at: c.at - START,
      cluster: c.input.cluster as string,
      services: c.input.services as string[],
    }));

  it.each([50, 100])(
    "the benchmark's %i services at the default settings: at most 0.7 DescribeServices calls per service, and 1.3x the longest deployment",
    async (count) => {
      const fleet = benchFleet(fake, count, DEFAULT_REFRESH_CONCURRENCY);

      const report = await refresh(fleet.settings);

      expect(report.services.filter((s) => s.ok)).toHaveLength(count);
      const calls = described();
      expect(calls.every((c) => c.services.length <= 10)).toBe(true);
      expect(calls.length / count).toBeLessThanOrEqual(0.7);
      expect(Math.max(...fake.concurrentAtStart) + 1).toBe(count);
      expect((Date.now() - START) / fleet.longestMs).toBeLessThanOrEqual(1.3);
    },
  );

  it("describes each cluster's services in calls of ten, and no longer a service whose deployment completed", async () => {
    const td = fake.taskDefinition({ family: "app", secrets: [{ name: "PW", valueFrom: "/pw" }] });
    const short = ["a-00", "b-00"];
    for (let i = 0; i < 13; i++) {
      const name = `a-${String(i).padStart(2, "0")}`;
      fake.service({ cluster: "a", name, taskDefinition: td, deployMs: i === 0 ? 10_000 : 60_000 });
    }
    fake.service({ cluster: "b", name: "b-00", taskDefinition: td, deployMs: 10_000 });
    fake.service({ cluster: "b", name: "b-01", taskDefinition: td, deployMs: 60_000 });
    const report = await refresh(
      settings({ discoveryClusters: ["a", "b"], rotatedParameters: ["/pw"] }),
      {},
    );

    expect(report.services.filter((s) => s.ok)).toHaveLength(15);
    // After planning, every tick with all 15 in flight: two calls for a (10 + 3), one for b.
    const waits = described().slice(3);
    const first = waits.filter((c) => c.at === waits[0]?.at);
    expect(first.map((c) => [c.cluster, c.services.length]).sort()).toEqual([
      ["a", 10],
      ["a", 3],
      ["b", 2],
    ]);
    for (const call of waits) {
      const names = call.services.map((s) => s.split("/").at(-1) ?? s);
      expect(names.every((name) => name.startsWith(`${call.cluster}-`))).toBe(true);
    }
    // The 10 s deployments are seen at the first tick after 10 s, then never described again.
    const seenDone = waits.find((c) => c.at >= 10_000)?.at ?? 0;
    const later = waits.filter((c) => c.at > seenDone).flatMap((c) => c.services);
    expect(later.length).toBeGreaterThan(0);
    for (const name of short) expect(later.some((arn) => arn.endsWith(`/${name}`))).toBe(false);
  });

  it("stop-tasks: one DescribeTasks per tick for the new tasks of every service in the cluster", async () => {
    const td = fake.taskDefinition({ family: "app" });
    for (const name of ["bg1", "bg2", "bg3"]) {
      fake.service({
        cluster: "main",
        name,
        controller: "CODE_DEPLOY",
        desiredCount: 2,
        taskDefinition: td,
        replacementMs: 20_000,
      });
    }
    const initial = new Set(fake.tasks.map((t) => t.arn));
    const report = await refresh(
      settings({ cluster: "main", services: ["bg1", "bg2", "bg3"] }),
      {},
    );

    expect(report.services.map((s) => s.tasksReplaced)).toEqual([2, 2, 2]);
    // Each service first describes its own running tasks; the waits then share their calls.
    const waits = fake.commandsNamed("DescribeTasks").slice(3);
    const ticks = new Set(waits.map((c) => c.at));
    expect(waits.length).toBe(ticks.size);
    const arns = waits.flatMap((c) => c.input.tasks as string[]);
    // Only tasks started since: the ones running before are never described again.
    expect(arns.some((arn) => initial.has(arn))).toBe(false);
    const services = (arn: string) => fake.tasks.find((t) => t.arn === arn)?.service;
    expect(waits.some((c) => new Set((c.input.tasks as string[]).map(services)).size === 3)).toBe(
      true,
    );
  });
});
