import { createLogger, createMetrics } from "../../lambda-src/observability";
import { asOnDemandLambda } from "./fakes";

const settings = {
  serviceName: "rotator-test",
  metricsNamespace: "Test/Rotation",
  logLevel: "INFO",
  tracingEnabled: false,
};

/** Powertools writes INFO to stdout and WARN/ERROR to stderr; collect both, in order. */
function captureOutput(): { lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const collect = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  jest.spyOn(process.stdout, "write").mockImplementation(collect);
  jest.spyOn(process.stderr, "write").mockImplementation(collect);
  return {
    lines: () =>
      chunks
        .flatMap((chunk) => chunk.split("\n"))
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

afterEach(() => jest.restoreAllMocks());
asOnDemandLambda();

describe("createLogger", () => {
  it("writes one JSON line per call with step, outcome, level and service", () => {
    const out = captureOutput();
    const logger = createLogger(settings);
    logger.info("apply done", { step: "apply", outcome: "ok", ms: 12 });
    logger.warn("taking over", { step: "recover", outcome: "takeover" });
    expect(out.lines()).toEqual([
      expect.objectContaining({
        level: "INFO",
        message: "apply done",
        step: "apply",
        outcome: "ok",
        ms: 12,
        service: "rotator-test",
      }),
      expect.objectContaining({ level: "WARN", step: "recover", outcome: "takeover" }),
    ]);
  });
});

describe("createLogger with the Lambda context", () => {
  it("adds cold_start and function_request_id to every line, cold only on the first invocation", () => {
    const out = captureOutput();
    const logger = createLogger(settings);
    logger.addContext({ awsRequestId: "req-1", functionName: "rotator" });
    logger.info("invoked", { step: "handler", outcome: "started" });
    logger.addContext({ awsRequestId: "req-2", functionName: "rotator" });
    logger.error("failed", { step: "apply", outcome: "failed" });
    expect(out.lines()).toEqual([
      expect.objectContaining({ cold_start: true, function_request_id: "req-1", step: "handler" }),
      expect.objectContaining({ cold_start: false, function_request_id: "req-2", step: "apply" }),
    ]);
  });
});

describe("createMetrics", () => {
  it("emits the ColdStart metric on the first invocation only", () => {
    const out = captureOutput();
    const metrics = createMetrics(settings);
    metrics.captureColdStart({ awsRequestId: "req-1", functionName: "rotator" });
    metrics.captureColdStart({ awsRequestId: "req-2", functionName: "rotator" });
    const emf = out.lines();
    expect(emf).toEqual([expect.objectContaining({ ColdStart: 1, function_name: "rotator" })]);
  });

  it("writes nothing when a run recorded no metric (a dry run)", () => {
    const out = captureOutput();
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    createMetrics(settings).flush();
    expect(out.lines()).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("flushes the rotation metrics as one EMF line in the configured namespace", () => {
    const out = captureOutput();
    const metrics = createMetrics(settings);
    metrics.succeeded();
    metrics.duration(321);
    metrics.publishGap(45);
    metrics.flush();
    const [emf] = out.lines();
    expect(emf).toMatchObject({ RotationSucceeded: 1, RotationDuration: 321, PublishGap: 45 });
    const directive = (
      emf?._aws as {
        CloudWatchMetrics: Array<{
          Namespace: string;
          Metrics: Array<{ Name: string; Unit: string }>;
        }>;
      }
    ).CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe("Test/Rotation");
    expect(directive?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: "RotationSucceeded", Unit: "Count" },
        { Name: "RotationDuration", Unit: "Milliseconds" },
        { Name: "PublishGap", Unit: "Milliseconds" },
      ]),
    );
  });
});
