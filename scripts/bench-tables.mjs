#!/usr/bin/env node
/**
 * Renders the benchmark's numbers from bench/results.json (written by `npm run bench`) into
 * README.md, between <!-- BEGIN_BENCH --> and <!-- END_BENCH -->, and into bench/results.md,
 * so that no number in either is typed by hand. Each target's verdict is computed here, from
 * the measured value and the target results.json records with it.
 *
 *   node scripts/bench-tables.mjs            rewrite both (npm run docs; npm run bench runs it)
 *   node scripts/bench-tables.mjs --check    exit 1 if either differs from results.json
 *   --results <file> --readme <file> --report <file>    other files (tests)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const BEGIN = "<!-- BEGIN_BENCH -->";
export const END = "<!-- END_BENCH -->";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const ms = (value) => `${Math.round(value)} ms`;
const seconds = (value) => `${(value / 1000).toFixed(2)} s`;
const verdict = (ok) => (ok ? "PASS" : "FAIL");
/** `align`: one letter per column, l or r. */
const table = (header, align, rows) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${[...align].map((a) => (a === "r" ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ].join("\n");

/** [measure, value, target, result]; rows whose value the bench did not record are left out. */
function rotationRows(r, t) {
  const rows = [];
  /** A row for `key` only when the bench recorded it; `cells` is called only then. */
  const add = (key, cells) => typeof r[key] === "number" && rows.push(cells());
  const kb = r.zipBytes / 1024;
  add("zipBytes", () => [
    "Zip size (dist/rotator.zip, fresh build)",
    `${r.zipBytes} bytes (${kb.toFixed(1)} KB)`,
    `< ${t.zipKb} KB`,
    verdict(kb < t.zipKb),
  ]);
  add("coldInitBareMs", () => [
    `Cold start, bare runtime stub \`node runtime-stub.mjs\` (median of ${r.coldStartRuns})`,
    ms(r.coldInitBareMs),
    "",
    "",
  ]);
  add("coldInitBundleMs", () => [
    `Cold start, the stub loading the bundle + init (median of ${r.coldStartRuns})`,
    ms(r.coldInitBundleMs),
    "",
    "",
  ]);
  add("coldInitOverheadMs", () => [
    "Cold-init overhead over the bare runtime stub",
    ms(r.coldInitOverheadMs),
    t.coldInitOverheadMs === undefined ? "" : `< ${t.coldInitOverheadMs} ms`,
    t.coldInitOverheadMs === undefined ? "" : verdict(r.coldInitOverheadMs < t.coldInitOverheadMs),
  ]);
  add("pythonPeerOverheadMs", () => [
    "Python peer's overhead over bare `python3` (imports boto3 and psycopg2, builds SSM and ECS clients)",
    ms(r.pythonPeerOverheadMs),
    "",
    "",
  ]);
  add("coldInitRatioVsPython", () => [
    "Cold-init overhead as a ratio of the Python peer's (boto3 + psycopg2, same run)",
    r.coldInitRatioVsPython.toFixed(2),
    `<= ${t.coldInitRatioVsPython}`,
    verdict(r.coldInitRatioVsPython <= t.coldInitRatioVsPython),
  ]);
  add("firstRotationMs", () => [
    "Rotation, first in a fresh process",
    ms(r.firstRotationMs),
    "",
    "",
  ]);
  add("warmRotationMedianMs", () => [
    `Rotation, warm: median (p90) of ${r.warmRotations}`,
    `${ms(r.warmRotationMedianMs)} (${ms(r.warmRotationP90Ms)})`,
    `median < ${t.warmRotationMedianMs} ms`,
    verdict(r.warmRotationMedianMs < t.warmRotationMedianMs),
  ]);
  add("publishGapMs", () => [
    `Publish gap, ALTER ROLE commit → readable from SSM: median (max) of ${r.warmRotations}`,
    `${ms(r.publishGapMs)} (${ms(r.publishGapMaxMs)})`,
    `< ${t.publishGapMs} ms`,
    verdict(r.publishGapMs < t.publishGapMs),
  ]);
  add("apiCalls", () => [
    "AWS API calls per rotation (one ECS service)",
    r.apiCallsByOperation === undefined
      ? String(r.apiCalls)
      : `${r.apiCalls} (${Object.entries(r.apiCallsByOperation)
          .map(([operation, n]) => `${operation} ${n}`)
          .join(", ")})`,
    `<= ${t.apiCalls}`,
    verdict(r.apiCalls <= t.apiCalls),
  ]);
  add("peakRssMb", () => [
    `Peak RSS of the rotating process (${r.warmRotations + 1} rotations)`,
    `${r.peakRssMb.toFixed(1)} MB`,
    "",
    "",
  ]);
  return rows;
}

function refreshRows(rows, t) {
  return rows.map((row) => {
    const judged = row.defaultSettings && row.services >= t.fromServices;
    const ok =
      row.wallMs / row.longestMs <= t.wallPerLongest &&
      row.describeServicesCalls / row.services <= t.describeServicesCallsPerService;
    return [
      String(row.services),
      `${row.concurrency}${row.defaultSettings ? " (default)" : ""}`,
      seconds(row.wallMs),
      seconds(row.longestMs),
      `${(row.wallMs / row.longestMs).toFixed(2)}x`,
      String(row.describeServicesCalls),
      (row.describeServicesCalls / row.services).toFixed(2),
      judged ? verdict(ok) : "",
    ];
  });
}

/** The generated Markdown: rotation table, refresh table, and how each was measured. */
export function renderBench(results) {
  const { rotation, targets, refresh, refreshSetup: s } = results;
  const rt = targets.refresh;
  const [minMs, maxMs] = s.deploymentMs;
  return [
    `Measured by \`npm run bench\` on ${results.date}: ${results.machine}.`,
    table(
      ["Measure", "Value", "Target", "Result"],
      "lrll",
      rotationRows(rotation, targets.rotation),
    ),
    `**ECS refresh** (\`scripts/bench-refresh.ts\`): fleets whose simulated deployments take ` +
      `${minMs}-${maxMs} ms (seeded), refreshed by the real refresher (lambda-src/ecs) against ` +
      `the in-process ECS of the unit tests, in real time. Targets from ${rt.fromServices} ` +
      `services at the default settings: wall time at most ${rt.wallPerLongest}x the longest ` +
      `deployment, at most ${rt.describeServicesCallsPerService} \`DescribeServices\` calls per ` +
      `service (planning included). Polling ${s.initialPollMs} ms doubling to ${s.maxPollMs} ms ` +
      "(production: 250 ms to 5 s for deployments of minutes, a smaller share of each).",
    table(
      [
        "Services",
        "Concurrency",
        "Wall time",
        "Longest deployment",
        "Wall / longest",
        "DescribeServices calls",
        "Calls per service",
        "Result",
      ],
      "rrrrrrrl",
      refreshRows(refresh, rt),
    ),
  ].join("\n\n");
}

/** README text with the block between the markers replaced; the markers must exist. */
export function spliceBench(readme, block) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`README needs one ${BEGIN} ... ${END} pair where the benchmark goes`);
  }
  return `${readme.slice(0, begin)}${BEGIN}\n${block}\n${readme.slice(end)}`;
}

/** bench/results.md: the same tables as a report of its own. */
export function renderReport(results) {
  return `# Benchmark

Generated from \`bench/results.json\` (written by \`npm run bench\`, scripts/bench.ts) by
\`scripts/bench-tables.mjs\`; do not edit by hand.

${renderBench(results)}

${results.how}
`;
}

function argument(argv, name, fallback) {
  const at = argv.indexOf(name);
  return at === -1 ? fallback : resolve(argv[at + 1]);
}

function main(argv) {
  const resultsPath = argument(argv, "--results", join(root, "bench", "results.json"));
  const readmePath = argument(argv, "--readme", join(root, "README.md"));
  const reportPath = argument(argv, "--report", join(root, "bench", "results.md"));
  const results = JSON.parse(readFileSync(resultsPath, "utf8"));
  const files = [
    [readmePath, spliceBench(readFileSync(readmePath, "utf8"), renderBench(results))],
    [reportPath, renderReport(results)],
  ];
  const stale = files.filter(
    ([path, wanted]) => !existsSync(path) || readFileSync(path, "utf8") !== wanted,
  );
  if (argv.includes("--check")) {
    for (const [path] of stale) {
      console.error(
        `${path}: the benchmark numbers differ from ${resultsPath}; run \`npm run docs\``,
      );
    }
    if (stale.length > 0) process.exit(1);
    console.log("benchmark tables are current");
    return;
  }
  for (const [path, wanted] of stale) writeFileSync(path, wanted);
  console.log(`benchmark tables written from ${resultsPath}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
