/**
 * Runs one invocation of a built handler module in a child node process (see
 * invoke-handler.mjs): for real process kills, and to capture every byte the Lambda prints.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNNER = join(__dirname, "invoke-handler.mjs");

export interface ChildError {
  readonly name?: string;
  readonly message?: string;
  readonly stack?: string;
  readonly kind?: string;
  readonly step?: string;
}

export interface ChildRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The Lambda's own output (its logs). */
  readonly stdout: string;
  readonly stderr: string;
  /** Undefined when the process died before reporting (e.g. killed). */
  readonly outcome?:
    | { readonly ok: true; readonly result: { readonly outcome: string; readonly reason?: string } }
    | { readonly ok: false; readonly error: ChildError };
}

export interface ChildOptions {
  /** The handler module to load, e.g. the extracted bundle's index.js. */
  readonly moduleFile: string;
  /** The Lambda's configuration; added to `baseEnv`. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * What `env` is added to; default this process's environment (AWS endpoint, region). A test
   * that must run with exactly a deployed function's environment passes {}.
   */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** The node binary, e.g. one of a Lambda runtime's Node.js major; default this process's. */
  readonly node?: string;
  /** The invocation event; default a rotation, `{ action: "rotate" }`. */
  readonly event?: unknown;
  /** SIGKILL the child right after this step. */
  readonly killAfter?: string;
  readonly remainingMs?: number;
  readonly timeoutMs?: number;
}

export async function runHandlerInChild(options: ChildOptions): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), "rotation-child-"));
  const resultFile = join(dir, "result.json");
  const env: NodeJS.ProcessEnv = { ...(options.baseEnv ?? process.env), ...options.env };
  const settings = {
    resultFile,
    remainingMs: options.remainingMs ?? 60_000,
    event: options.event ?? { action: "rotate" },
    killAfter: options.killAfter,
  };
  // The child must not inherit jest's worker plumbing or ts-jest's settings.
  delete env.NODE_OPTIONS;
  try {
    const child = spawn(
      options.node ?? process.execPath,
      [RUNNER, options.moduleFile, JSON.stringify(settings)],
      {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, sig) => resolve([code, sig]));
      },
    );
    clearTimeout(timer);
    const outcome = existsSync(resultFile)
      ? (JSON.parse(readFileSync(resultFile, "utf8")) as ChildRun["outcome"])
      : undefined;
    return { exitCode, signal, stdout, stderr, ...(outcome ? { outcome } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
