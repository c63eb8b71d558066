/**
 * A fleet of simulated application tasks for the load test. Each task reads DATABASE_URL
 * from SSM once, when it starts, like an ECS task whose `secrets` are injected at launch,
 * then keeps opening fresh connections with those credentials (TLS verify-full, SCRAM) and
 * counts what happens. It reads SSM again only when the fleet "restarts" it, which the test
 * does when the rotation's refresh step runs: a rolling deployment, one task after another.
 */
import { performance } from "node:perf_hooks";
import { Client, type ClientConfig } from "pg";
import { isAuthRejected } from "../../support/pg-cluster-client";
import { readParameter } from "./aws";
import type { Scenario } from "./scenario";

export type AttemptOutcome = "ok" | "auth-failed" | "error";

export interface Attempt {
  readonly task: number;
  /** How many times the task had been restarted when it made this attempt. */
  readonly generation: number;
  readonly username: string;
  readonly startedAt: number;
  /** When the server's answer arrived: it checks the password then, not at startedAt. */
  readonly endedAt: number;
  readonly outcome: AttemptOutcome;
  /** For "error": what went wrong (never a password: pg's messages do not carry it). */
  readonly detail?: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class SimulatedTask {
  generation = 0;
  private credentials: Credentials | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly index: number,
    private readonly fleet: Fleet,
  ) {}

  /** Read the credentials from SSM, as a task does at launch. */
  async launch(): Promise<void> {
    this.credentials = await this.fleet.readCredentials();
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.attempt();
        await sleep(this.fleet.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async restart(): Promise<void> {
    await this.launch();
    this.generation += 1;
  }

  private async attempt(): Promise<void> {
    const credentials = this.credentials;
    if (credentials === undefined) throw new Error("task not launched");
    const generation = this.generation;
    const startedAt = performance.now();
    const client = new Client(this.fleet.clientConfig(credentials));
    client.on("error", () => undefined);
    let outcome: AttemptOutcome = "ok";
    let detail: string | undefined;
    let endedAt = startedAt;
    try {
      await client.connect();
      await client.query("SELECT 1");
    } catch (error) {
      outcome = isAuthRejected(error) ? "auth-failed" : "error";
      if (outcome === "error") detail = error instanceof Error ? error.message : String(error);
    } finally {
      endedAt = performance.now();
      await client.end().catch(() => undefined);
    }
    this.fleet.record({
      task: this.index,
      generation,
      username: credentials.username,
      startedAt,
      endedAt,
      outcome,
      ...(detail ? { detail } : {}),
    });
  }
}

export interface FleetOptions {
  readonly tasks: number;
  /** Pause between one task's connection attempts. */
  readonly intervalMs: number;
  /** Pause between two task restarts of a rolling deployment. */
  readonly restartSpacingMs: number;
}

export class Fleet {
  readonly attempts: Attempt[] = [];
  readonly intervalMs: number;
  private readonly tasks: SimulatedTask[];
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly s: Pick<Scenario, "h"> & Partial<Pick<Scenario, "parameters">>,
    private readonly options: FleetOptions,
    /** Where a task reads its credentials at launch; the DATABASE_URL parameter by default. */
    private readonly source?: () => Promise<Credentials>,
  ) {
    this.intervalMs = options.intervalMs;
    this.tasks = Array.from({ length: options.tasks }, (_, i) => new SimulatedTask(i, this));
  }

  /** How a task connects, as the application would: TLS verify-full, SCRAM. */
  clientConfig(credentials: Credentials): ClientConfig {
    const { username, password } = credentials;
    return { ...this.s.h.loginConfig(username, password), connectionTimeoutMillis: 5000 };
  }

  /** What a task reads at launch: the DATABASE_URL parameter, parsed. */
  async readCredentials(): Promise<Credentials> {
    if (this.source) return this.source();
    const url = new URL((await readParameter(this.s.parameters?.databaseUrl ?? ""))?.value ?? "");
    return {
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }

  async start(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.launch()));
    this.tasks.forEach((task) => task.start());
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
  }

  record(attempt: Attempt): void {
    this.attempts.push(attempt);
    for (const wake of this.waiters) wake();
  }

  /**
   * Resolves once every task has finished an attempt that started after `since`: the
   * window between a password change and the restart is then exercised by every task, as it
   * is in production, where a deployment takes minutes.
   */
  async everyTaskAttemptedSince(since: number): Promise<void> {
    const done = () =>
      this.tasks.every((task) =>
        this.attempts.some((a) => a.task === task.index && a.startedAt > since),
      );
    while (!done()) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  /** A rolling deployment: each task in turn reads SSM again and goes on with the new values. */
  async rollingRestart(): Promise<void> {
    for (const task of this.tasks) {
      await task.restart();
      await sleep(this.options.restartSpacingMs);
    }
  }
}

export interface LoadCounts {
  readonly attempts: number;
  readonly ok: number;
  readonly authFailures: number;
  readonly otherErrors: number;
}

export function countAttempts(attempts: readonly Attempt[]): LoadCounts {
  const of = (outcome: AttemptOutcome) => attempts.filter((a) => a.outcome === outcome).length;
  return {
    attempts: attempts.length,
    ok: of("ok"),
    authFailures: of("auth-failed"),
    otherErrors: of("error"),
  };
}
