/**
 * The KMS keys a run writes with (lambda-src/core/parameter-keys.ts): looked up once per run,
 * in one store call, and not at all when a key is configured.
 */
import { ParameterKeys } from "../../../lambda-src/core/parameter-keys";

function countingStore(keys: Record<string, string>) {
  const lookups: string[][] = [];
  return {
    lookups,
    keyIdsOf: async (names: readonly string[]) => {
      lookups.push([...names]);
      return new Map(names.flatMap((n) => (keys[n] ? [[n, keys[n]] as const] : [])));
    },
  };
}

test("one lookup for the password and DATABASE_URL parameters, however often asked", async () => {
  const store = countingStore({ "/pw": "alias/app", "/url": "alias/url" });
  const keys = new ParameterKeys({ password: "/pw", databaseUrl: "/url" }, store);

  const [first, second] = [await keys.get(), await keys.get()];

  expect(first).toEqual({ password: "alias/app", databaseUrl: "alias/url" });
  expect(second).toBe(first);
  expect(store.lookups).toEqual([["/pw", "/url"]]);
});

test("a DATABASE_URL parameter that does not exist yet gets the password parameter's key", async () => {
  const store = countingStore({ "/pw": "alias/app" });
  const keys = new ParameterKeys({ password: "/pw", databaseUrl: "/url" }, store);
  expect(await keys.get()).toEqual({ password: "alias/app", databaseUrl: "alias/app" });
});

test("a configured key is used for everything, without a lookup", async () => {
  const store = countingStore({ "/pw": "alias/app" });
  const keys = new ParameterKeys({ password: "/pw", databaseUrl: "/url", kmsKeyId: "k" }, store);
  expect(await keys.get()).toEqual({ password: "k", databaseUrl: "k" });
  expect(store.lookups).toEqual([]);
});

test("a failed lookup is not kept: the next call asks again", async () => {
  let calls = 0;
  const keys = new ParameterKeys(
    { password: "/pw" },
    {
      keyIdsOf: async () => {
        calls += 1;
        if (calls === 1) throw new Error("throttled");
        return new Map([["/pw", "alias/app"]]);
      },
    },
  );
  await expect(keys.get()).rejects.toThrow("throttled");
  expect((await keys.get()).password).toBe("alias/app");
});
