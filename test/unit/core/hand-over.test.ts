/**
 * Step 6's hand-over (lambda-src/core/hand-over.ts, docs/design.md §In-flight refresh): the
 * record is written before the pending parameter is deleted, the run ends
 * "refresh-in-progress" without a success metric, and a record that cannot be written leaves
 * the services "timed-out" and fails the run as before.
 */
import type { RefreshRecord, RefreshRecordStore } from "../../../lambda-src/core/refresh-record";
import { RotationError } from "../../../lambda-src/errors";
import { rotate, type Invocation } from "../../../lambda-src/rotation";
import { expectNoSecret } from "../../support/leaks";
import { createWorld, type World } from "../fakes";

/** An in-memory record store that notes whether the pending parameter existed at each write. */
class MemoryRecords implements RefreshRecordStore {
  record: RefreshRecord | undefined;
  pendingAtWrite: boolean[] = [];
  failWith: Error | undefined;
  constructor(private readonly world: World) {}
  async read() {
    return this.record && { record: this.record, version: 1 };
  }
  async write(record: RefreshRecord) {
    if (this.failWith) throw this.failWith;
    this.pendingAtWrite.push(this.world.store.values.has(this.world.config.parameters.pending));
    this.record = record;
    return 1;
  }
  async remove() {
    const had = this.record !== undefined;
    this.record = undefined;
    return had;
  }
}

const invocation = (world: World, action?: Invocation["action"]): Invocation => ({
  invocationId: "req-1",
  deadline: world.clock.now + 900_000,
  ...(action ? { action } : {}),
});

test("services still deploying are recorded before the pending parameter goes; the run ends 'refresh-in-progress'", async () => {
  const world = createWorld({ ECS_CLUSTER: "main", ECS_SERVICES: "web,worker" });
  world.ecs.inFlight.add("worker");
  const records = new MemoryRecords(world);

  const result = await rotate(
    world.config,
    world.deps({ refreshRecords: records }),
    invocation(world),
  );

  expect(result.outcome).toBe("refresh-in-progress");
  expect(records.pendingAtWrite).toEqual([true]);
  expect(world.store.values.has(world.config.parameters.pending)).toBe(false);
  expect(records.record).toMatchObject({
    invocationId: "req-1",
    rotationOutcome: "rotated",
    inFlight: [{ service: "worker", deploymentId: "ecs-svc/worker-1" }],
    settled: [{ service: "web", outcome: "completed" }],
  });
  expect(world.metrics.names()).toContain("RefreshInProgress");
  expect(world.metrics.names()).not.toContain("RotationSucceeded");
  const published = world.store.values.get(world.config.parameters.password)?.value;
  expectNoSecret(JSON.stringify(records.record), [published]);
});

test("a record that cannot be written leaves the services 'timed-out', and the run fails refresh-failed", async () => {
  const world = createWorld({ ECS_CLUSTER: "main", ECS_SERVICES: "web,worker" });
  world.ecs.inFlight.add("worker");
  const records = new MemoryRecords(world);
  records.failWith = new Error("AccessDeniedException: not allowed");

  const error = await rotate(
    world.config,
    world.deps({ refreshRecords: records }),
    invocation(world),
  ).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(RotationError);
  expect(error).toMatchObject({ kind: "refresh-failed" });
  const worker = (error as RotationError).report?.services.find((s) => s.service === "worker");
  expect(worker).toMatchObject({ outcome: "timed-out" });
  expect(worker?.detail).toContain("the in-flight refresh record could not be written");
  // The rotation itself is complete: published, the pending parameter gone.
  expect(world.store.values.has(world.config.parameters.pending)).toBe(false);
});

test("without a record store the services are 'timed-out' as before", async () => {
  const world = createWorld({ ECS_CLUSTER: "main", ECS_SERVICES: "web,worker" });
  world.ecs.inFlight.add("web");

  const error = await rotate(world.config, world.deps(), invocation(world)).catch(
    (e: unknown) => e,
  );

  expect(error).toMatchObject({ kind: "refresh-failed" });
  expect((error as RotationError).message).toContain("no in-flight refresh record is configured");
});
