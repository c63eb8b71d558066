/** The ECS refresh and notification settings of lambda-src/config. */
import { loadConfig } from "../../lambda-src/config";
import { refreshSettings } from "../../lambda-src/ecs/refresh";
import { MINIMAL, problemsOf } from "./config-problems";

/** The problems with MINIMAL plus `env`. */
function problemsWith(env: NodeJS.ProcessEnv): string[] {
  return problemsOf({ ...MINIMAL, ...env });
}

describe("refresh and notification settings", () => {
  it("default to auto restart method, 100 at a time, 600 s wait, 10 s pacing, no discovery, no notification", () => {
    const config = loadConfig(MINIMAL);
    expect(config.refresh).toEqual({
      discoveryClusters: [],
      restartMethod: "auto",
      serviceRestartMethods: {},
      concurrency: 100,
      waitTimeoutMs: 600_000,
      pacingMs: 10_000,
    });
    expect(config.notifications).toEqual({
      snsTopicArn: undefined,
      eventBus: undefined,
      eventSource: "rds-secret-rotation",
    });
  });

  it("reads every setting, treating empty strings as unset", () => {
    const config = loadConfig({
      ...MINIMAL,
      DATABASE_URL_PARAMETER: "/app/db/url",
      ECS_DISCOVERY_CLUSTERS: "blue, green",
      ECS_RESTART_METHOD: "stop-tasks",
      ECS_SERVICE_RESTART_METHODS: "web=rolling, blue/api=auto",
      ECS_REFRESH_CONCURRENCY: "3",
      ECS_WAIT_TIMEOUT_SECONDS: "120",
      ECS_STOP_TASK_PACING_SECONDS: "0",
      NOTIFY_SNS_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:ops.fifo",
      NOTIFY_EVENT_BUS: "",
      NOTIFY_EVENT_SOURCE: "",
    });
    expect(config.refresh).toEqual({
      discoveryClusters: ["blue", "green"],
      restartMethod: "stop-tasks",
      serviceRestartMethods: { web: "rolling", "blue/api": "auto" },
      concurrency: 3,
      waitTimeoutMs: 120_000,
      pacingMs: 0,
    });
    expect(config.notifications).toEqual({
      snsTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops.fifo",
      eventBus: undefined,
      eventSource: "rds-secret-rotation",
    });
    expect(refreshSettings(config).rotatedParameters).toEqual(["/app/db/password", "/app/db/url"]);
  });

  it("discovery needs no ECS_CLUSTER", () => {
    expect(loadConfig({ ...MINIMAL, ECS_DISCOVERY_CLUSTERS: "main" }).ecs.cluster).toBeUndefined();
  });

  it("names each bad setting and the Terraform variable that fixes it", () => {
    const problems = problemsWith({
      ECS_RESTART_METHOD: "blue-green",
      ECS_REFRESH_CONCURRENCY: "0",
      ECS_WAIT_TIMEOUT_SECONDS: "901",
      ECS_STOP_TASK_PACING_SECONDS: "-1",
      NOTIFY_SNS_TOPIC_ARN: "ops-topic",
      NOTIFY_EVENT_BUS: "arn:aws:sns:eu-west-1:123456789012:bus",
      NOTIFY_EVENT_SOURCE: "aws.rds",
    });
    const expected: Array<[string, RegExp]> = [
      ["ECS_RESTART_METHOD", /must be "auto" \(default\), "rolling" or "stop-tasks"/],
      ["ECS_REFRESH_CONCURRENCY", /must be at least 1/],
      ["ECS_WAIT_TIMEOUT_SECONDS", /must be at most 900/],
      ["ECS_STOP_TASK_PACING_SECONDS", /must be at least 0/],
      [
        "NOTIFY_SNS_TOPIC_ARN",
        /must be an SNS topic ARN.*fix: set the module variable `notification_sns_topic_arn`/,
      ],
      ["NOTIFY_EVENT_BUS", /must be an EventBridge bus name or ARN/],
      ["NOTIFY_EVENT_SOURCE", /must not start with "aws\."/],
    ];
    for (const [key, message] of expected) {
      expect(problems.find((p) => p.startsWith(`${key} `))).toMatch(message);
    }
    expect(problems).toHaveLength(expected.length);
  });

  it("checks the lists: cluster names, and service=method pairs", () => {
    const problems = problemsWith({
      ECS_DISCOVERY_CLUSTERS: "main,arn:aws:ecs:eu-west-1:123456789012:cluster/x",
      ECS_SERVICE_RESTART_METHODS: "web=rolling,api=fast,=auto,worker",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^ECS_DISCOVERY_CLUSTERS must list cluster names .*not arn:aws:ecs/),
      expect.stringMatching(
        /^ECS_SERVICE_RESTART_METHODS .*bad: api=fast, =auto, worker .*fix: set the module variable `ecs_service_restart_methods`$/,
      ),
    ]);
  });

  it("caps the parallel deployments at 500, as the Terraform variable does", () => {
    expect(loadConfig({ ...MINIMAL, ECS_REFRESH_CONCURRENCY: "500" }).refresh.concurrency).toBe(
      500,
    );
    expect(problemsWith({ ECS_REFRESH_CONCURRENCY: "501" })).toEqual([
      expect.stringMatching(/^ECS_REFRESH_CONCURRENCY must be at most 500/),
    ]);
  });
});
