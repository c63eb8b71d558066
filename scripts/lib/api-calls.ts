/**
 * Counting the AWS API calls of a rotation: a pass-through HTTP proxy in front of the emulator
 * records each request's operation (from its X-Amz-Target header, e.g. "ssm:GetParameters")
 * in arrival order, and forwards it unchanged. What it counts is what reaches the wire, SDK
 * retries included, whatever code made the call: the bundle in a child process (the bench)
 * or the handler in-process (test/integration/api-economy.test.ts). A caller may add its own
 * markers to the same log (a step boundary, the ALTER ROLE commit) to see what ran between.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { forward, readAll } from "../../test/support/aws-json-error-proxy";
import { LambdaProcess } from "./lambda-process";

/** One entry of the log: an AWS call, or a marker the caller added. */
export type CallLogEntry =
  | { readonly kind: "call"; readonly operation: string }
  | { readonly kind: "marker"; readonly label: string };

export interface CallCounter {
  /** Point the SDK clients here (AWS_ENDPOINT_URL, or a client's `endpoint`). */
  readonly endpoint: string;
  /** Everything recorded so far, in order. */
  readonly log: readonly CallLogEntry[];
  /** Just the operations, in order. */
  operations(): string[];
  mark(label: string): void;
  /** Forget what was recorded (e.g. the seeding calls before the measured run). */
  reset(): void;
  stop(): Promise<void>;
}

/** Services by the prefix of their JSON-protocol target, in IAM's spelling. */
const SERVICES: readonly (readonly [RegExp, string])[] = [
  [/^AmazonSSM$/, "ssm"],
  [/^AmazonEC2ContainerService/, "ecs"],
];

/** "AmazonSSM.GetParameters" → "ssm:GetParameters"; a query-protocol call by its path. */
export function operationOf(target: string | undefined, method = "", path = ""): string {
  if (!target) return `${method} ${path}`;
  const [prefix = "", action = ""] = target.split(".");
  const service = SERVICES.find(([pattern]) => pattern.test(prefix))?.[1] ?? prefix;
  return `${service}:${action}`;
}

export async function startCallCounter(target: string): Promise<CallCounter> {
  const upstream = new URL(target);
  let log: CallLogEntry[] = [];
  const server = createServer((clientRequest, clientResponse) => {
    const target = clientRequest.headers["x-amz-target"];
    const operation = operationOf(
      Array.isArray(target) ? target[0] : target,
      clientRequest.method,
      clientRequest.url,
    );
    log.push({ kind: "call", operation });
    void (async () => {
      const forwarded = forward(upstream, clientRequest, await readAll(clientRequest));
      forwarded.on("response", (response) => {
        clientResponse.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(clientResponse);
      });
      forwarded.on("error", () => clientRequest.socket.destroy());
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Keep-alive sockets from SDK clients must not hold a finished process open.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get log() {
      return log;
    },
    operations: () => log.flatMap((e) => (e.kind === "call" ? [e.operation] : [])),
    mark: (label) => log.push({ kind: "marker", label }),
    reset: () => {
      log = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The calls recorded between two markers (exclusive); throws if either is missing. */
export function callsBetween(log: readonly CallLogEntry[], from: string, to: string): string[] {
  const start = log.findIndex((e) => e.kind === "marker" && e.label === from);
  const end = log.findIndex((e, i) => i > start && e.kind === "marker" && e.label === to);
  if (start < 0 || end < 0) throw new Error(`markers "${from}" … "${to}" not both in the log`);
  return log.slice(start + 1, end).flatMap((e) => (e.kind === "call" ? [e.operation] : []));
}

export interface RotationCalls {
  /** Every AWS call of the rotation, SDK retries included. */
  readonly total: number;
  /** How many of each operation, e.g. {"ssm:PutParameter": 3}. */
  readonly byOperation: Readonly<Record<string, number>>;
}

/**
 * One rotation by the bundle at `indexPath`, in a fresh Lambda process whose AWS endpoint is
 * a counter in front of `env`'s (AWS_ENDPOINT_URL); throws unless it rotated.
 */
export async function countRotationCalls(
  indexPath: string,
  env: Readonly<Record<string, string>>,
): Promise<RotationCalls> {
  const emulator = env.AWS_ENDPOINT_URL;
  if (!emulator) throw new Error("the Lambda environment has no AWS_ENDPOINT_URL to count at");
  const counter = await startCallCounter(emulator);
  try {
    const { process: lambda } = await LambdaProcess.start({
      indexPath,
      env: { ...env, AWS_ENDPOINT_URL: counter.endpoint },
    });
    try {
      const outcome = await lambda.invoke({ action: "rotate" });
      const result = outcome.ok ? (outcome.result as { outcome?: unknown }) : undefined;
      if (result?.outcome !== "rotated") {
        const why = outcome.ok ? `ended "${String(result?.outcome)}"` : outcome.error.message;
        throw new Error(`the counted rotation did not rotate: ${why}`);
      }
    } finally {
      lambda.kill();
    }
    const operations = counter.operations();
    const byOperation: Record<string, number> = {};
    for (const operation of operations) byOperation[operation] = (byOperation[operation] ?? 0) + 1;
    return { total: operations.length, byOperation };
  } finally {
    await counter.stop();
  }
}
