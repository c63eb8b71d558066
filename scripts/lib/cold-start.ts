/**
 * Cold-start cost of the bundle, judged on a paired ratio. Each round runs four fresh
 * processes back to back: bare `node runtime-stub.mjs` (the stand-in for Lambda's runtime, an
 * ES module, loading nothing), the same loading index.js as the runtime does (the handler
 * module's init validates the configuration and builds the SSM client and the PostgreSQL
 * adapters), bare `python3 -c ''`, and the Python peer (python-peer.ts: boto3 and psycopg2
 * imported, SSM and ECS clients built). Our overhead is the bundle minus the bare runtime, the
 * peer's is the peer minus bare python, each taken within a round; their ratio is what a
 * loaded machine changes least, since whatever slows one round slows both sides of it.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PYTHON_PEER_INIT } from "./python-peer";
import { median } from "./stats";

const RUNTIME_STUB = join(__dirname, "runtime-stub.mjs");

export interface ColdStartSample {
  readonly bareNodeMs: number[];
  readonly bundleMs: number[];
  readonly barePythonMs: number[];
  readonly pythonPeerMs: number[];
}

export interface ColdStartResult {
  readonly runs: number;
  /** Medians of each kind of process. */
  readonly bareNodeMs: number;
  readonly bundleMs: number;
  readonly barePythonMs: number;
  readonly pythonPeerMs: number;
  /** Median over rounds of bundle − bare node. */
  readonly coldInitOverheadMs: number;
  /** Median over rounds of Python peer − bare python. */
  readonly pythonPeerOverheadMs: number;
  /** coldInitOverheadMs / pythonPeerOverheadMs. */
  readonly coldInitRatioVsPython: number;
}

function timeProcess(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): number {
  const started = performance.now();
  const result = spawnSync(file, args, { env: { ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${file} ${args.join(" ")} exited with ${result.status ?? result.signal}: ${result.stderr.toString().trim()}`,
    );
  }
  return ms;
}

/**
 * Runs `runs` rounds of the four processes; the first `warmup` rounds (page cache, CPU
 * frequency) are discarded.
 */
export function measureColdStart(
  indexPath: string,
  env: Readonly<Record<string, string>>,
  python: string,
  runs: number,
  warmup = 2,
): ColdStartSample {
  const sample: ColdStartSample = {
    bareNodeMs: [],
    bundleMs: [],
    barePythonMs: [],
    pythonPeerMs: [],
  };
  for (let i = 0; i < warmup + runs; i++) {
    const round = {
      bareNodeMs: timeProcess(process.execPath, [RUNTIME_STUB], env),
      // The stub fails loudly if the module exports no handler (a ConfigError is kept, not thrown, at init).
      bundleMs: timeProcess(process.execPath, [RUNTIME_STUB, indexPath], env),
      barePythonMs: timeProcess(python, ["-c", ""], env),
      pythonPeerMs: timeProcess(python, ["-c", PYTHON_PEER_INIT], env),
    };
    if (i < warmup) continue;
    for (const [kind, ms] of Object.entries(round)) sample[kind as keyof ColdStartSample].push(ms);
  }
  return sample;
}

/** The medians, the paired overheads and their ratio. */
export function summarizeColdStart(sample: ColdStartSample): ColdStartResult {
  const { bareNodeMs, bundleMs, barePythonMs, pythonPeerMs } = sample;
  const paired = (a: number[], b: number[]) => median(a.map((ms, i) => ms - (b[i] ?? NaN)));
  const coldInitOverheadMs = paired(bundleMs, bareNodeMs);
  const pythonPeerOverheadMs = paired(pythonPeerMs, barePythonMs);
  return {
    runs: bundleMs.length,
    bareNodeMs: median(bareNodeMs),
    bundleMs: median(bundleMs),
    barePythonMs: median(barePythonMs),
    pythonPeerMs: median(pythonPeerMs),
    coldInitOverheadMs,
    pythonPeerOverheadMs,
    coldInitRatioVsPython: coldInitOverheadMs / pythonPeerOverheadMs,
  };
}
