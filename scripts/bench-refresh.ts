/**
 * The ECS refresh benchmark (part of `npm run bench`; alone: `npx tsx scripts/bench-refresh.ts`):
 * 20 services whose deployments take a simulated 0.5-2.0 s each, refreshed by the real
 * refresher (lambda-src/ecs) against the in-process ECS of the unit tests
 * (test/support/fake-ecs.ts) in real time, sequentially and with bounded concurrency.
 * Reports the wall time of each against its floor (the sum of the durations, or the longest
 * one) and the ECS API calls the polling cost.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { performance } from "node:perf_hooks";
import { createServiceRefresher, type RefreshSettings } from "../lambda-src/ecs/refresh";
import { FakeEcs } from "../test/support/fake-ecs";

const SERVICES = 20;
const CONCURRENCY = [1, 5, 10, 20] as const;
const MIN_MS = 500;
const MAX_MS = 2_000;
/** The production poll schedule (250 ms doubling to 5 s) scaled down like the durations. */
const TIMING = { initialPollMs: 50, maxPollMs: 1_000 };

/** A fixed sequence of durations, so every run and every machine refreshes the same fleet. */
function durations(seed: number): number[] {
  let state = seed;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: SERVICES }, () => Math.round(MIN_MS + next() * (MAX_MS - MIN_MS)));
}

interface RefreshRun {
  readonly concurrency: number;
  readonly wallMs: number;
  readonly floorMs: number;
  readonly describeCalls: number;
  readonly peak: number;
}

async function runOnce(concurrency: number, deployMs: readonly number[]): Promise<RefreshRun> {
  const fake = new FakeEcs();
  try {
    const td = fake.taskDefinition({ family: "app" });
    const names = deployMs.map((ms, i) => {
      const name = `svc-${String(i + 1).padStart(2, "0")}`;
      fake.service({ cluster: "bench", name, taskDefinition: td, deployMs: ms, desiredCount: 2 });
      return name;
    });
    const settings: RefreshSettings = {
      cluster: "bench",
      services: names,
      discoveryClusters: [],
      rotatedParameters: [],
      restartMethod: "auto",
      serviceRestartMethods: {},
      concurrency,
      waitTimeoutMs: 600_000,
      pacingMs: 0,
    };
    const refresher = createServiceRefresher(new ECSClient({ region: "eu-west-1" }), settings, {
      timing: TIMING,
    });
    const started = performance.now();
    const report = await refresher.refresh({ deadline: Date.now() + 900_000 });
    const wallMs = performance.now() - started;
    const failed = report.services.filter((s) => !s.ok);
    if (failed.length > 0) throw new Error(`refresh failed: ${JSON.stringify(failed)}`);
    const sum = deployMs.reduce((a, b) => a + b, 0);
    const floorMs = concurrency === 1 ? sum : Math.max(Math.max(...deployMs), sum / concurrency);
    return {
      concurrency,
      wallMs,
      floorMs,
      describeCalls: fake.commandsNamed("DescribeServices").length,
      peak: Math.max(...fake.concurrentAtStart) + 1,
    };
  } finally {
    fake.restore();
  }
}

export interface RefreshBench {
  readonly table: string;
  readonly how: string;
  readonly runs: readonly RefreshRun[];
}

export async function benchRefresh(): Promise<RefreshBench> {
  const deployMs = durations(20260104);
  const runs: RefreshRun[] = [];
  for (const concurrency of CONCURRENCY) runs.push(await runOnce(concurrency, deployMs));
  const sequential = runs[0] as RefreshRun;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const table = [
    "| Refresh of 20 services | Wall time | Floor | Speed-up vs sequential | Peak concurrent | DescribeServices calls |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...runs.map(
      (r) =>
        `| ${r.concurrency === 1 ? "sequential (concurrency 1)" : `concurrency ${r.concurrency}`} | ${s(r.wallMs)} | ${s(r.floorMs)} | ${(sequential.wallMs / r.wallMs).toFixed(1)}x | ${r.peak} | ${r.describeCalls} |`,
    ),
  ].join("\n");
  const sum = deployMs.reduce((a, b) => a + b, 0);
  const how = `Simulated deployments of ${MIN_MS}-${MAX_MS} ms (seeded; sum ${s(sum)}, longest ${s(Math.max(...deployMs))}),
refreshed by the real refresher (lambda-src/ecs) against the in-process ECS of the unit tests
(test/support/fake-ecs.ts: each deployment COMPLETED ${"`deployMs`"} after UpdateService), in real time.
Polling: ${TIMING.initialPollMs} ms doubling to ${TIMING.maxPollMs} ms (production: 250 ms to 5 s, for deployments of minutes).
Floor: the sum of the durations when sequential, else max(longest, sum / concurrency).
The gap to the floor is polling latency (a deployment is seen up to one poll interval late)
and waves (a worker takes the next service only when its current one is done).`;
  return { table, how, runs };
}

if (require.main === module) {
  benchRefresh().then(
    ({ table, how }) => console.log(`${table}\n\n${how}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
