import { mapWithConcurrency } from "../../../lambda-src/ecs/pool";
import { chooseRestartMethod, settingFor } from "../../../lambda-src/ecs/restart-method";

describe("chooseRestartMethod", () => {
  it.each([
    ["auto", "ECS", "rolling"],
    ["auto", undefined, "rolling"],
    ["auto", "CODE_DEPLOY", "stop-tasks"],
    ["auto", "EXTERNAL", "stop-tasks"],
    ["rolling", "ECS", "rolling"],
    ["stop-tasks", "ECS", "stop-tasks"],
    ["stop-tasks", "CODE_DEPLOY", "stop-tasks"],
  ] as const)("%s on a %s service → %s", (setting, controller, expected) => {
    expect(chooseRestartMethod(setting, controller).restartMethod).toBe(expected);
  });

  it.each(["CODE_DEPLOY", "EXTERNAL"])(
    "refuses rolling for a %s service, naming the fix",
    (controller) => {
      const choice = chooseRestartMethod("rolling", controller);
      expect(choice.restartMethod).toBeUndefined();
      expect(choice).toMatchObject({
        problem: expect.stringMatching(/cannot refresh a .* service.*"stop-tasks" or "auto"/),
      });
    },
  );
});

describe("settingFor", () => {
  it("prefers cluster/name over name over the default", () => {
    const byService = { web: "stop-tasks", "blue/web": "rolling" } as const;
    expect(settingFor("blue", "web", byService, "auto")).toBe("rolling");
    expect(settingFor("green", "web", byService, "auto")).toBe("stop-tasks");
    expect(settingFor("green", "api", byService, "auto")).toBe("auto");
  });
});

describe("mapWithConcurrency", () => {
  it("never runs more than the limit at once and keeps the input order", async () => {
    let running = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 15, 8, 2];
    const results = await mapWithConcurrency(delays, 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return i;
    });
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it("handles no items", async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });
});
