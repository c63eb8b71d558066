/**
 * The ECS refresh benchmark (part of `npm run bench`; alone: `npx tsx scripts/bench-refresh.ts`):
 * fleets of 5 to 100 services whose deployments take a simulated 0.5-2.0 s each, refreshed by
 * the real refresher (lambda-src/ecs) with the Lambda's default settings against the in-process
 * ECS of the unit tests (test/support/fake-ecs.ts), in real time. Each row is judged on ratios
 * measured in the same run (wall time over the longest deployment, DescribeServices calls per
 * service), which a loaded machine shifts far less than absolute times.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { performance } from "node:perf_hooks";
import { DEFAULT_REFRESH_CONCURRENCY } from "../lambda-src/config/schema";
import { createServiceRefresher, type RefreshSettings } from "../lambda-src/ecs/refresh";
import { FakeEcs } from "../test/support/fake-ecs";

/** Fleet sizes at the default concurrency, then one fleet under a lowered cap (waves). */
const ROWS: ReadonlyArray<{ services: number; concurrency: number }> = [
  ...[5, 20, 50, 100].map((services) => ({ services, concurrency: DEFAULT_REFRESH_CONCURRENCY })),
  { services: 50, concurrency: 10 },
];
const MIN_MS = 500;
const MAX_MS = 2_000;
/**
 * The production schedule (250 ms doubling to 5 s) compressed for deployments of seconds. The
 * cap is a quarter of the longest deployment here; in production 5 s is a twenty-fourth of a
 * two-minute deployment, so the polling latency measured here overstates production's.
 */
export const BENCH_TIMING = { initialPollMs: 100, maxPollMs: 500 } as const;

/** A fixed sequence of durations, so every run and every machine refreshes the same fleet. */
function durations(count: number, seed: number): number[] {
  let state = seed;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Math.round(MIN_MS + next() * (MAX_MS - MIN_MS)));
}

/** One row of bench/results.json's `refresh` array. */
export interface RefreshRow {
  readonly services: number;
  readonly concurrency: number;
  readonly defaultSettings: boolean;
  readonly wallMs: number;
  /** The longest simulated deployment: no refresh can take less. */
  readonly longestMs: number;
  readonly wallPerLongest: number;
  /** Every DescribeServices call of the refresh, planning included. */
  readonly describeServicesCalls: number;
  readonly describeServicesCallsPerService: number;
  readonly peakConcurrent: number;
}

/**
 * `services` services in cluster "bench" of `fake`, with the benchmark's seeded deployment
 * durations, and the refresh settings for them; test/unit/ecs/poller.test.ts refreshes the same
 * fleet in virtual time.
 */
export function benchFleet(fake: FakeEcs, services: number, concurrency: number) {
  const deployMs = durations(services, 20260104);
  const td = fake.taskDefinition({ family: "app" });
  const names = deployMs.map((ms, i) => {
    const name = `svc-${String(i + 1).padStart(3, "0")}`;
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
  return { settings, longestMs: Math.max(...deployMs) };
}

async function runOnce(services: number, concurrency: number): Promise<RefreshRow> {
  const fake = new FakeEcs();
  try {
    const { settings, longestMs } = benchFleet(fake, services, concurrency);
    const refresher = createServiceRefresher(new ECSClient({ region: "eu-west-1" }), settings, {
      timing: BENCH_TIMING,
    });
    const started = performance.now();
    const report = await refresher.refresh({ deadline: Date.now() + 900_000 });
    const wallMs = Math.round(performance.now() - started);
    const failed = report.services.filter((s) => !s.ok);
    if (failed.length > 0) throw new Error(`refresh failed: ${JSON.stringify(failed)}`);
    const calls = fake.commandsNamed("DescribeServices").length;
    return {
      services,
      concurrency,
      defaultSettings: concurrency === DEFAULT_REFRESH_CONCURRENCY,
      wallMs,
      longestMs,
      wallPerLongest: Number((wallMs / longestMs).toFixed(2)),
      describeServicesCalls: calls,
      describeServicesCallsPerService: Number((calls / services).toFixed(2)),
      peakConcurrent: Math.max(...fake.concurrentAtStart) + 1,
    };
  } finally {
    fake.restore();
  }
}

export interface RefreshBench {
  readonly rows: readonly RefreshRow[];
  /** How the rows were measured, for the report. */
  readonly setup: {
    readonly deploymentMs: readonly [number, number];
    readonly initialPollMs: number;
    readonly maxPollMs: number;
    readonly defaultConcurrency: number;
  };
}

export async function benchRefresh(): Promise<RefreshBench> {
  const rows: RefreshRow[] = [];
  for (const { services, concurrency } of ROWS) rows.push(await runOnce(services, concurrency));
  return {
    rows,
    setup: {
      deploymentMs: [MIN_MS, MAX_MS],
      ...BENCH_TIMING,
      defaultConcurrency: DEFAULT_REFRESH_CONCURRENCY,
    },
  };
}

if (require.main === module) {
  benchRefresh().then(
    (bench) => console.log(JSON.stringify(bench, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
