/**
 * The in-flight refresh record at fleet sizes (lambda-src/secrets/refresh-record-store.ts and
 * refresh-record-codec.ts): every parameter stays within SSM's 8 KB, a record of any size
 * reads back whole, and a writer that crashes or races between its parts and its head never
 * leaves a record that lost a service or one that a finished refresh would report again.
 * SSM's version history is the in-memory one of memory-ssm.ts (moto keeps no 8 KB limit).
 */
import type { RefreshRecord } from "../../../lambda-src/core/refresh-record";
import {
  PARAMETER_LIMIT,
  packRecord,
  parseHead,
} from "../../../lambda-src/secrets/refresh-record-codec";
import { createRefreshRecordStore } from "../../../lambda-src/secrets/refresh-record-store";
import { MemorySsm } from "./memory-ssm";
import { fleetRecord } from "./record-fleet";

const NAME = "/rds-secret-rotation/orders/refresh";
let ssm: MemorySsm;
beforeEach(() => {
  ssm = new MemorySsm();
});
afterEach(() => ssm.restore());

const store = () => createRefreshRecordStore(ssm.client, NAME);
const arnsOf = (r: RefreshRecord | undefined) => (r?.inFlight ?? []).map((e) => e.arn);

class SimulatedCrash extends Error {}

describe("sizes (realistic ARNs, deployment and task IDs)", () => {
  // [services, share replaced task by task (3 tasks left each), parts at most]
  it.each([
    [100, 0, 0],
    [100, 0.2, 0],
    [500, 0, 3],
    [500, 0.2, 4],
    [1000, 0, 5],
    [1000, 0.2, 8],
    [1000, 1, 17],
  ])("%i services, %f task by task: %i parts at most, each within 8 KB", async (n, share, most) => {
    const record = fleetRecord({ services: n, stopTasksShare: share });
    const packed = await packRecord(record);
    expect(packed.kind).toBe("packed");
    const parts = packed.kind === "packed" ? packed.parts : [];
    expect(parts.length).toBeLessThanOrEqual(most);

    await store().write(record);

    for (const value of ssm.values(NAME).values()) expect(value.length).toBeLessThanOrEqual(8192);
    expect(ssm.values(NAME).size).toBe(1 + parts.length);
    expect((await store().read())?.record).toEqual(record);
  });

  /** The largest fleet whose record still takes `form` (binary search; sizes grow with n). */
  async function largest(form: "plain" | "one parameter", share: number): Promise<number> {
    const fits = async (n: number) => {
      const packed = await packRecord(fleetRecord({ services: n, stopTasksShare: share }));
      return form === "plain"
        ? packed.kind === "plain"
        : packed.kind === "plain" || packed.parts.length === 0;
    };
    let [low, high] = [1, 400];
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (await fits(mid)) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  // The capacities docs/operations.md (In-flight refresh, Size) states.
  it.each([
    ["plain", 0, 23],
    ["plain", 0.2, 21],
    ["plain", 1, 11],
    ["one parameter", 0, 180],
    ["one parameter", 0.2, 125],
    ["one parameter", 1, 50],
  ] as const)(
    "%s holds, with a share of %f task by task, about %i services",
    async (form, share, about) => {
      const n = await largest(form, share);
      expect(n).toBeGreaterThanOrEqual(Math.floor(about * 0.9));
      expect(n).toBeLessThanOrEqual(Math.ceil(about * 1.1));
    },
  );

  it("a record that fits stays the plain JSON an operator reads", async () => {
    const record = fleetRecord({ services: 20 });
    await store().write(record);
    expect(JSON.parse(ssm.values(NAME).get(NAME) ?? "")).toEqual(record);
    expect(ssm.calls).toEqual(["PutParameter"]);
  });

  it("a record of 150 rolling services is compressed into the head alone: one call each way", async () => {
    const record = fleetRecord({ services: 150 });
    expect(JSON.stringify(record).length).toBeGreaterThan(6 * PARAMETER_LIMIT);
    await store().write(record);
    const head = ssm.values(NAME).get(NAME) ?? "";
    expect(JSON.parse(head)).toMatchObject({ inFlight: 150, settled: 0 });
    expect(parseHead(NAME, head).kind).toBe("packed");
    expect((await store().read())?.record).toEqual(record);
    expect(ssm.calls).toEqual(["PutParameter", "GetParameter"]);
  });

  it("reads a record in parts with one GetParameters per ten parts", async () => {
    const record = fleetRecord({ services: 1000, stopTasksShare: 1 });
    await store().write(record);
    ssm.calls.length = 0;
    await store().read();
    expect(ssm.calls).toEqual(["GetParameter", "GetParameters", "GetParameters"]);
  });
});

describe("crash and race safety", () => {
  const before = fleetRecord({ services: 600 });
  const after = fleetRecord({ services: 700, stopTasksShare: 0.2 });

  it("a writer that dies between its parts and its head leaves the previous record whole", async () => {
    await store().write(before);
    ssm.beforePut = (name) => {
      if (name === NAME) throw new SimulatedCrash("killed before the head");
    };
    await expect(store().write(after)).rejects.toThrow();

    // Every part was overwritten, but the head still pins the versions it was written with.
    expect((await store().read())?.record).toEqual(before);
    expect(arnsOf((await store().read())?.record)).toHaveLength(600);
  });

  it("two writers interleaving part by part: the last head wins, whole", async () => {
    await store().write(before);
    const version = (await store().read())?.version ?? 0;
    // A writes its parts; B writes all of its own and its head; then A writes its head.
    let release: () => void = () => undefined;
    const aHeld = new Promise<void>((resolve) => (release = resolve));
    ssm.beforePut = (name) => (name === NAME ? aHeld : undefined);
    const a = store().write(after);
    await new Promise((resolve) => setTimeout(resolve, 10));
    ssm.beforePut = () => undefined;
    const b = await store().write(before);
    release();
    const aVersion = await a;

    expect(b).toBe(version + 1);
    // A sees it did not write version + 1: the race the in-flight events detect and re-judge.
    expect(aVersion).toBe(version + 2);
    expect((await store().read())?.record).toEqual(after);
  });

  it("finishing deletes the head, then its parts; a head a loser wrote again reads as nothing", async () => {
    await store().write(after);
    const stale = ssm.values(NAME).get(NAME) ?? "";
    expect(await store().remove()).toBe(true);
    expect(ssm.values(NAME).size).toBe(0);
    expect(await store().remove()).toBe(false);

    // A concurrent writer's head, written after the finish deleted the parts it pins.
    ssm.history.set(NAME, [{ version: 1, value: stale }]);
    expect(await store().read()).toBeUndefined();
    // The same when a later record wrote the parts again: their versions restarted.
    await store().write(before);
    ssm.history.set(NAME, [{ version: 9, value: stale }]);
    expect(await store().read()).toBeUndefined();
  });

  it("a head whose inline data fails its digest is refused, not read as empty", async () => {
    await store().write(fleetRecord({ services: 150 }));
    const head = JSON.parse(ssm.values(NAME).get(NAME) ?? "") as { data: string };
    const tampered = JSON.stringify({ ...head, data: `A${head.data.slice(1)}` });
    ssm.history.set(NAME, [{ version: 2, value: tampered }]);
    await expect(store().read()).rejects.toThrow(`${NAME} fails its own digest`);
  });

  it("a record name without a path keeps its parts under one", async () => {
    const bare = createRefreshRecordStore(ssm.client, "orders-refresh");
    await bare.write(before);
    expect([...ssm.values("/orders-refresh/part-").keys()].length).toBeGreaterThan(0);
    expect((await bare.read())?.record).toEqual(before);
  });
});
