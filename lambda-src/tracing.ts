/**
 * AWS X-Ray tracing through the Powertools Tracer, only when the module's `tracing_enabled`
 * is set (POWERTOOLS_TRACE_ENABLED). handler.ts loads this file with a dynamic import, so a
 * function without tracing never evaluates the Tracer or the X-Ray SDK at init.
 *
 * A run gets Powertools' standard handler subsegment (`## handler`) with the ColdStart and
 * Service annotations, plus `action`, `outcome` and, on failure, `kind`. The SDK clients'
 * calls appear as their own subsegments. The result goes in as metadata: it is secret-free
 * by construction. A failure is recorded as its kind and step only, never its message, so
 * no text from the database or a parameter can reach a trace.
 */
import { Tracer } from "@aws-lambda-powertools/tracer";
import { RotationError } from "./errors";

export interface RunTracer {
  /** Wrap an AWS SDK v3 client so each of its calls is a subsegment. */
  captureClient<T>(client: T): T;
  /** Run one invocation inside the handler subsegment. */
  traceRun<R>(run: () => Promise<R>): Promise<R>;
  /** Annotate the current invocation (searchable in X-Ray), e.g. its action. */
  annotate(key: string, value: string): void;
}

const HANDLER_SUBSEGMENT = "## handler";

export function createRunTracer(serviceName: string): RunTracer {
  const tracer = new Tracer({ serviceName });
  return {
    captureClient: (client) => tracer.captureAWSv3Client(client),
    annotate: (key, value) => tracer.putAnnotation(key, value),
    async traceRun(run) {
      const parent = tracer.getSegment();
      if (parent === undefined) return run();
      const subsegment = parent.addNewSubsegment(HANDLER_SUBSEGMENT);
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      try {
        const result = await run();
        tracer.putAnnotation("outcome", "succeeded");
        tracer.addResponseAsMetadata(result, "handler");
        return result;
      } catch (error) {
        const { kind, step } = failureOf(error);
        tracer.putAnnotation("outcome", "failed");
        tracer.putAnnotation("kind", kind);
        // Kind and step only: the message may quote the database or a parameter.
        const traced = new Error(`${kind} at step ${step}`);
        traced.name = "RotationError";
        tracer.addErrorAsMetadata(traced);
        throw error;
      } finally {
        subsegment.close();
        tracer.setSegment(parent);
      }
    },
  };
}

function failureOf(error: unknown): { kind: string; step: string } {
  return error instanceof RotationError
    ? { kind: error.kind, step: error.step }
    : { kind: "unexpected", step: "unknown" };
}
