/**
 * One warm Lambda execution environment as a child `node` process (scripts/lib/lambda-runner.mjs):
 * the bundle is loaded once, then invoked as often as the caller likes. The child's stdout is
 * split into the handler's own lines (logs, EMF) and the runner's result lines, in order.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

const RUNNER = join(__dirname, "lambda-runner.mjs");
const MARKER = "__lambdaRunner";
const START_TIMEOUT_MS = 30_000;
const INVOKE_TIMEOUT_MS = 120_000;

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly step?: string;
  readonly kind?: string;
}

export type InvokeOutcome =
  | {
      readonly ok: true;
      readonly ms: number;
      readonly result: unknown;
      readonly lines: readonly string[];
    }
  | {
      readonly ok: false;
      readonly ms: number;
      readonly error: SerializedError;
      readonly lines: readonly string[];
    };

type RunnerLine =
  | { [MARKER]: "ready"; ok: true; initMs: number }
  | { [MARKER]: "ready"; ok: false; error: SerializedError }
  | { [MARKER]: "result"; id: number; ok: true; ms: number; result: unknown }
  | { [MARKER]: "result"; id: number; ok: false; ms: number; error: SerializedError }
  | { [MARKER]: "usage"; maxRssKb: number };

/** The one caller waiting for the runner's next line. */
interface Waiter {
  answer(line: RunnerLine): void;
  crashed(how: string): void;
}

export class LambdaProcessError extends Error {
  override readonly name = "LambdaProcessError";
}

function parseRunnerLine(line: string): RunnerLine | undefined {
  if (!line.startsWith(`{"${MARKER}"`)) return undefined;
  return JSON.parse(line) as RunnerLine;
}

export interface LambdaProcessOptions {
  /** The extracted bundle entry (index.js). */
  readonly indexPath: string;
  /** The whole environment of the child: nothing leaks in from the caller's. */
  readonly env: Readonly<Record<string, string>>;
  /** Called with each line the handler writes (stdout and stderr), as it arrives. */
  readonly onLine?: (line: string) => void;
}

export class LambdaProcess {
  /** Every line the handler wrote so far, stdout and stderr interleaved by arrival. */
  readonly output: string[] = [];
  private linesSinceInvoke: string[] = [];
  private waiter: Waiter | undefined;
  private exited: string | undefined;
  private nextId = 1;

  private constructor(
    private readonly child: ChildProcess,
    private readonly onLine: ((line: string) => void) | undefined,
  ) {
    const record = (line: string) => {
      this.output.push(line);
      this.linesSinceInvoke.push(line);
      this.onLine?.(line);
    };
    if (!child.stdout || !child.stderr)
      throw new LambdaProcessError("child has no stdout/stderr pipes");
    createInterface({ input: child.stdout }).on("line", (line) => {
      const runnerLine = parseRunnerLine(line);
      if (runnerLine) this.waiter?.answer(runnerLine);
      else record(line);
    });
    createInterface({ input: child.stderr }).on("line", record);
    // "close", not "exit": it comes after the child's stdio has ended, so a line the child
    // wrote just before exiting (its usage report, a load failure) still reaches the waiter.
    child.on("close", (code, signal) => {
      this.exited = `exited with ${code ?? signal}`;
      this.waiter?.crashed(this.exited);
    });
  }

  /** Forks the runner and waits until the bundle is loaded; returns its init time in ms. */
  static async start(
    options: LambdaProcessOptions,
  ): Promise<{ process: LambdaProcess; initMs: number }> {
    const child = fork(RUNNER, [options.indexPath], {
      env: { ...options.env },
      // Not the parent's flags: under tsx they would load its TypeScript hooks into the "runtime".
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const lambda = new LambdaProcess(child, options.onLine);
    const ready = await lambda.next(START_TIMEOUT_MS, "load the bundle");
    if (ready[MARKER] !== "ready")
      throw new LambdaProcessError(`unexpected runner line ${ready[MARKER]}`);
    if (!ready.ok) {
      lambda.kill();
      throw new LambdaProcessError(
        `the bundle failed to load: ${ready.error.name}: ${ready.error.message}`,
      );
    }
    return { process: lambda, initMs: ready.initMs };
  }

  private next(timeoutMs: number, what: string): Promise<RunnerLine> {
    return new Promise((resolve, reject) => {
      if (this.exited !== undefined) {
        reject(new LambdaProcessError(`the Lambda process ${this.exited} before it could ${what}`));
        return;
      }
      const settle = () => {
        clearTimeout(timer);
        this.waiter = undefined;
      };
      const timer = setTimeout(() => {
        settle();
        reject(new LambdaProcessError(`the Lambda process did not ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        answer: (line) => {
          settle();
          resolve(line);
        },
        // A crashed child never answers: fail now instead of waiting for the timeout.
        crashed: (how) => {
          settle();
          reject(new LambdaProcessError(`the Lambda process ${how} before it could ${what}`));
        },
      };
    });
  }

  /** Invokes the handler once; a handler error is a normal outcome, not a rejection. */
  async invoke(event: unknown): Promise<InvokeOutcome> {
    const id = this.nextId++;
    this.linesSinceInvoke = [];
    const answer = this.next(INVOKE_TIMEOUT_MS, `answer invocation ${id}`);
    this.child.send({ type: "invoke", id, event });
    const line = await answer;
    if (line[MARKER] !== "result" || line.id !== id) {
      throw new LambdaProcessError(
        `expected the result of invocation ${id}, got ${JSON.stringify(line)}`,
      );
    }
    const lines = this.linesSinceInvoke;
    return line.ok
      ? { ok: true, ms: line.ms, result: line.result, lines }
      : { ok: false, ms: line.ms, error: line.error, lines };
  }

  /** Asks the child to exit and returns its peak resident set size in KB. */
  async close(): Promise<{ maxRssKb: number }> {
    const answer = this.next(10_000, "report its resource usage");
    this.child.send({ type: "exit" });
    const line = await answer;
    if (line[MARKER] !== "usage")
      throw new LambdaProcessError(`expected usage, got ${line[MARKER]}`);
    return { maxRssKb: line.maxRssKb };
  }

  /** Ends the child at once (cleanup on failure or Ctrl-C). Safe to call twice. */
  kill(): void {
    if (this.exited === undefined && this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
