/**
 * `npm run bench`: the numbers the issue sets targets for, measured on this machine against
 * the built bundle, a local PostgreSQL 15 and the AWS emulator. Prints a markdown table and
 * writes it to bench/results.md. A missed target is reported (FAIL), never fatal; a rotation
 * that fails is fatal, since then the numbers would mean nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { benchRefresh } from "./bench-refresh";
import { PROJECT_ROOT as REPO_ROOT } from "../test/support/tools";
import { runScript, type Cleanup } from "./lib/cleanup";
import { LambdaProcess, type InvokeOutcome } from "./lib/lambda-process";
import { prepareStackAndBundle } from "./lib/prepare";
import { measureRotationEconomy } from "./lib/rotation-economy";
import { median, percentile } from "./lib/stats";

const COLD_START_RUNS = 21;
const WARM_ROTATIONS = 12;
const RESULTS_FILE = join(REPO_ROOT, "bench", "results.md");
const RESULTS_JSON = join(REPO_ROOT, "bench", "results.json");

const TARGETS = {
  zipKb: 350,
  coldInitOverheadMs: 150,
  rotationMedianMs: 400,
  publishGapMs: 100,
  /** At most, per rotation with one ECS service. */
  apiCalls: 11,
  /** At most: our cold-init overhead over the Python peer's. */
  coldInitRatioVsPython: 0.25,
} as const;

interface Rotation {
  readonly ms: number;
  readonly publishGapMs: number;
}

const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
const verdict = (value: number, limit: number) => (value < limit ? "PASS" : "FAIL");
const atMost = (value: number, limit: number) => (value <= limit ? "PASS" : "FAIL");

function postgresVersion(): string {
  try {
    return execFileSync("postgres", ["--version"], { encoding: "utf8" })
      .trim()
      .replace(/^postgres \(PostgreSQL\) /, "");
  } catch {
    return "unknown";
  }
}

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  // Other work on the machine inflates every number here; the load average says how much.
  const load = loadavg()[0]?.toFixed(2) ?? "?";
  return `${availableParallelism()} CPUs (${cpu}), load average ${load} at start, Linux ${release()}, Node ${process.version}, PostgreSQL ${postgresVersion()}, moto (test/support/requirements.txt)`;
}

/** One rotation's numbers; throws if it did not rotate, since a failed run has no valid timing. */
function rotationOf(outcome: InvokeOutcome, index: number): Rotation {
  if (!outcome.ok)
    throw new Error(`rotation ${index} failed: ${outcome.error.name}: ${outcome.error.message}`);
  const result = outcome.result as { outcome?: unknown; publishGapMs?: unknown };
  if (result.outcome !== "rotated")
    throw new Error(`rotation ${index} ended "${String(result.outcome)}", not "rotated"`);
  // The value the PublishGap EMF metric carries: the Lambda emits that metric exactly when
  // the result has a number here (lambda-src/core/outcome.ts succeeded()).
  const { publishGapMs } = result;
  if (typeof publishGapMs !== "number")
    throw new Error(
      `rotation ${index} reported no publish gap (publishGapMs ${String(publishGapMs)})`,
    );
  return { ms: outcome.ms, publishGapMs };
}

async function bench(cleanup: Cleanup): Promise<boolean> {
  const started = performance.now();
  const machineLine = machine();
  console.log("bench: starting PostgreSQL and the emulator, building the bundle…");
  const { stack, bundle } = await prepareStackAndBundle(cleanup, "bench");

  console.log(`bench: ${1 + WARM_ROTATIONS} rotations in one warm Lambda process…`);
  const { process: lambda } = await LambdaProcess.start({
    indexPath: bundle.indexPath,
    env: stack.lambdaEnv,
  });
  cleanup.add("stop the Lambda process", () => lambda.kill());
  const rotations: Rotation[] = [];
  for (let i = 0; i <= WARM_ROTATIONS; i++)
    rotations.push(rotationOf(await lambda.invoke({ action: "rotate" }), i + 1));
  const { maxRssKb } = await lambda.close();
  const [cold, ...warm] = rotations as [Rotation, ...Rotation[]];
  const current = await stack.readParameter(stack.names.passwordParameter);
  if (!current || !(await stack.pg.canLogin(stack.names.role, current.value))) {
    throw new Error("after the rotations the published password does not log in");
  }

  console.log(
    `bench: AWS calls of one rotation, then cold init: ${COLD_START_RUNS} rounds of bare node, the bundle, bare python, the Python peer…`,
  );
  const economy = await measureRotationEconomy(bundle.indexPath, stack.lambdaEnv, COLD_START_RUNS);
  const { coldInitBareMs: bareMs, coldInitBundleMs: bundleMs } = economy;
  const { coldInitOverheadMs: overheadMs, coldInitRatioVsPython: ratio } = economy;

  console.log("bench: ECS refresh of 20 simulated services, sequential and concurrent…");
  const refresh = await benchRefresh();

  const zipKb = bundle.zipBytes / 1024;
  const warmMs = warm.map((r) => r.ms);
  const warmMedian = median(warmMs);
  const warmP90 = percentile(warmMs, 90);
  const gapMedian = median(warm.map((r) => r.publishGapMs));
  const gapMax = Math.max(...warm.map((r) => r.publishGapMs));

  const rows: [string, string, string, string][] = [
    ["Zip size (dist/rotator.zip, fresh build)", `${bundle.zipBytes} bytes (${zipKb.toFixed(1)} KB)`, `< ${TARGETS.zipKb} KB`, verdict(zipKb, TARGETS.zipKb)],
    [`Cold start, bare \`node -e ''\` (median of ${COLD_START_RUNS})`, fmtMs(bareMs), "", ""],
    [`Cold start, \`node\` loading index.js + init (median of ${COLD_START_RUNS})`, fmtMs(bundleMs), "", ""],
    ["Cold-init overhead over bare node (median of paired rounds)", fmtMs(overheadMs), `< ${TARGETS.coldInitOverheadMs} ms`, verdict(overheadMs, TARGETS.coldInitOverheadMs)],
    [`Python peer (boto3 + psycopg2, SSM and ECS clients) over bare \`python3\` (median of paired rounds)`, fmtMs(economy.pythonPeerOverheadMs), "", ""],
    ["Cold-init ratio: our overhead / the Python peer's", ratio.toFixed(3), `<= ${TARGETS.coldInitRatioVsPython}`, atMost(ratio, TARGETS.coldInitRatioVsPython)],
    ["AWS API calls of one rotation (one ECS service)", `${economy.apiCalls} (${Object.entries(economy.apiCallsByOperation).map(([op, n]) => `${op} ${n}`).join(", ")})`, `<= ${TARGETS.apiCalls}`, atMost(economy.apiCalls, TARGETS.apiCalls)],
    ["Rotation, first in a fresh process", fmtMs(cold.ms), "", ""],
    [`Rotation, warm: median (p90) of ${warm.length}`, `${fmtMs(warmMedian)} (${fmtMs(warmP90)})`, `median < ${TARGETS.rotationMedianMs} ms`, verdict(warmMedian, TARGETS.rotationMedianMs)],
    [`Publish gap, ALTER ROLE commit → readable from SSM: median (max) of ${warm.length}`, `${fmtMs(gapMedian)} (${fmtMs(gapMax)})`, `< ${TARGETS.publishGapMs} ms`, verdict(gapMedian, TARGETS.publishGapMs)],
    [`Peak RSS of the rotating process (${rotations.length} rotations)`, `${(maxRssKb / 1024).toFixed(1)} MB`, "", ""],
  ]; // prettier-ignore

  const table = [
    "| Measure | Value | Target | Result |",
    "| --- | ---: | --- | --- |",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ].join("\n");
  const report = `# Benchmark

Written by \`npm run bench\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}.

Machine: ${machineLine}.

${table}

How: the bundle is built by scripts/build.mjs into a temp folder and its index.js extracted.
Cold start is the wall time of a fresh \`node\` process that requires index.js with the
Lambda's environment (the module's init validates the configuration and builds the SSM,
ECS and PostgreSQL clients). Each round runs
bare \`node -e ''\`, the bundle, bare \`python3 -c ''\` and the Python peer (the shape of the
function this module replaces: boto3 and psycopg2 imported, SSM and ECS clients built;
scripts/lib/python-peer.ts) back to back, after 2 discarded rounds; each overhead is the median
of its per-round differences, and the ratio divides ours by the peer's. The API calls are
counted by a proxy in front of the emulator (scripts/lib/api-calls.ts) during one rotation in
a fresh Lambda process.
Rotations run through the handler in one child \`node\` process (scripts/lib/lambda-runner.mjs)
against a local PostgreSQL 15 over verify-full TLS and the moto server, each a complete
rotation (stage, apply, verify, publish both parameters, refresh one ECS service, finish).
The publish gap is the handler result's \`publishGapMs\`, the value its \`PublishGap\` EMF
metric carries. Peak RSS is that process's \`process.resourceUsage().maxRSS\`.

## ECS refresh: concurrent versus sequential (scripts/bench-refresh.ts)

${refresh.table}

${refresh.how}
`;
  mkdirSync(join(REPO_ROOT, "bench"), { recursive: true });
  writeFileSync(RESULTS_FILE, report);
  const rotation = { ...economy, publishGapMs: Math.round(gapMedian) };
  writeFileSync(RESULTS_JSON, `${JSON.stringify({ rotation }, null, 2)}\n`);
  console.log(`\n${report}`);
  console.log(
    `bench: wrote bench/results.md and bench/results.json in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return true;
}

runScript("bench", bench);
