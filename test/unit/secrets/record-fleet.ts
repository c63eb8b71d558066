/**
 * Realistic in-flight refresh records for sizing the record's encoding: ECS's own ARN, deployment
 * and task ID shapes, the details the refresher writes, a seeded mix of rolling and task-by-task
 * services across a few clusters. Deterministic, so the sizes the tests assert are reproducible.
 */
import type { InFlightService, RefreshRecord } from "../../../lambda-src/core/refresh-record";
import type { ServiceRefresh } from "../../../lambda-src/core/ports";

const PREFIX = "arn:aws:ecs:eu-west-1:123456789012";
const CLUSTERS = ["prod-payments", "prod-checkout", "prod-search", "prod-platform-shared"];
const WORDS = ["api", "worker", "gateway", "billing", "ledger", "orders", "catalog", "auth"];

/** A small seeded generator (mulberry32): the same fleet on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FleetOptions {
  readonly services: number;
  /** Share of services replaced task by task, each with `tasksLeft` task ARNs still to replace. */
  readonly stopTasksShare?: number;
  readonly tasksLeft?: number;
  /** Share already settled (the record late in the refresh): only the rest stay in flight. */
  readonly settledShare?: number;
}

export function fleetRecord(options: FleetOptions): RefreshRecord {
  const next = random(options.services * 7919 + 17);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join("");
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
  const t0 = Date.parse("2026-11-30T00:00:00Z");
  const inFlight: InFlightService[] = [];
  const settled: ServiceRefresh[] = [];
  for (let i = 0; i < options.services; i++) {
    const cluster = CLUSTERS[i % CLUSTERS.length] as string;
    const word = WORDS[Math.floor(next() * WORDS.length)] as string;
    const service = `${cluster.replace(/^prod-/, "")}-${word}-${i}`;
    const arn = `${PREFIX}:service/${cluster}/${service}`;
    const startedAt = t0 + Math.floor(next() * 60_000);
    const stopTasks = next() < (options.stopTasksShare ?? 0);
    const deploymentId = `ecs-svc/${digits(19)}`;
    if (next() < (options.settledShare ?? 0)) {
      settled.push({
        service,
        cluster,
        restartMethod: stopTasks ? "stop-tasks" : "rolling",
        outcome: "completed",
        ok: true,
        durationMs: 200_000 + Math.floor(next() * 400_000),
        ...(stopTasks
          ? {
              tasksReplaced: 4,
              tasksTotal: 4,
              detail: "replaced 4 of 4 task(s), each by one healthy task",
            }
          : { deploymentId, detail: `deployment ${deploymentId} completed (2/2 tasks running)` }),
      });
    } else if (stopTasks) {
      const left = options.tasksLeft ?? 3;
      const remaining = Array.from({ length: left }, () => `${PREFIX}:task/${cluster}/${hex(32)}`);
      inFlight.push({
        service,
        cluster,
        arn,
        restartMethod: "stop-tasks",
        startedAt,
        taskDefinition: `${PREFIX}:task-definition/${service}:${1 + Math.floor(next() * 300)}`,
        tasks: { remaining, replaced: 1, total: left + 1 },
        detail: `stopped task ${hex(32)}, but no replacement was healthy in time (replaced 1 of ${left + 1})`,
      });
    } else {
      inFlight.push({
        service,
        cluster,
        arn,
        restartMethod: "rolling",
        startedAt,
        deploymentId,
        detail: `still in progress: deployment ${deploymentId}: 1/2 tasks running`,
      });
    }
  }
  return {
    version: 1,
    invocationId: "0d8f2a8e-6f0b-4c5e-9a51-3f7c2b1d4e60",
    rotationOutcome: "rotated",
    rotationStartedAt: new Date(t0 - 5_000).toISOString(),
    recordedAt: new Date(t0 + 590_000).toISOString(),
    publishGapMs: 12,
    inFlight,
    settled,
    problems: [],
  };
}
