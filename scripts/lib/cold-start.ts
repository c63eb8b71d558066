/**
 * Cold-start cost of the bundle: wall time of a fresh `node` process that loads index.js (the
 * handler module's init validates the configuration and builds the SSM, ECS and PostgreSQL
 * clients), measured side by side with a bare `node -e 0`, so the difference is what the
 * bundle adds over the runtime itself.
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface ColdStartSample {
  readonly bareMs: number[];
  readonly bundleMs: number[];
}

function timeNode(args: readonly string[], env: Readonly<Record<string, string>>): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    env: { ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `node ${args.join(" ")} exited with ${result.status ?? result.signal}: ${result.stderr.toString().trim()}`,
    );
  }
  return ms;
}

/**
 * Alternates bare and bundle runs so drift on a busy machine hits both alike; the first
 * `warmup` pairs (page cache, CPU frequency) are discarded.
 */
export function measureColdStart(
  indexPath: string,
  env: Readonly<Record<string, string>>,
  runs: number,
  warmup = 2,
): ColdStartSample {
  // Fail loudly if the module did not build its handler (a ConfigError is kept, not thrown, at init).
  const loadBundle = `const h = require(${JSON.stringify(indexPath)}).handler; if (typeof h !== "function") process.exit(3);`;
  const sample: ColdStartSample = { bareMs: [], bundleMs: [] };
  for (let i = 0; i < warmup + runs; i++) {
    const bare = timeNode(["-e", "0"], env);
    const bundle = timeNode(["-e", loadBundle], env);
    if (i >= warmup) {
      sample.bareMs.push(bare);
      sample.bundleMs.push(bundle);
    }
  }
  return sample;
}
