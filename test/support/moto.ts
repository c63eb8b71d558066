/**
 * The AWS API emulator: a moto server from the project virtualenv on 127.0.0.1 and a free
 * port, reached by the real AWS SDK v3 clients through AWS_ENDPOINT_URL. A user who sets
 * AWS_ENDPOINT_URL (e.g. LocalStack) keeps it: then no moto is started.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startJsonErrorProxy } from "./aws-json-error-proxy";
import { freePort } from "./free-port";
import { HARNESS_ENV, readHarnessFile } from "./harness-file";
import {
  createIamUsers,
  enforceIam,
  type AwsCredentials,
  type IamPolicyDocument,
} from "./moto-iam";
import { emulatorTools } from "./tools";

export type { AwsCredentials, IamPolicyDocument } from "./moto-iam";

export interface AwsEmulator {
  readonly endpoint: string;
  /** True when the endpoint came from the user's AWS_ENDPOINT_URL and was not started here. */
  readonly external: boolean;
  /** moto's own log (one line per request); empty for an external endpoint. */
  readLog(): string;
  /** Stops moto (no-op for an external endpoint). Safe to call twice. */
  stop(): Promise<void>;
}

export interface IamEnforcedEmulator extends AwsEmulator {
  /** Credentials of each user asked for, by name; every user has exactly the given policy. */
  readonly users: Readonly<Record<string, AwsCredentials>>;
}

export interface StartMotoOptions {
  /** Extra environment for the server process. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface StartIamEnforcedOptions extends StartMotoOptions {
  /** Users to create before IAM enforcement starts: name -> inline policy document. */
  readonly users: Readonly<Record<string, IamPolicyDocument>>;
}

export class MotoStartError extends Error {
  override readonly name = "MotoStartError";
}

const STARTUP_TIMEOUT_MS = 30_000;

/**
 * The user's AWS_ENDPOINT_URL, if any. Jest workers inherit the integration harness's own moto
 * endpoint in AWS_ENDPOINT_URL (global-setup.ts sets it); that one is not the user's, and a test
 * that starts an emulator of its own must not write into the shared one.
 */
function userEndpoint(): string | undefined {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const harnessFile = process.env[HARNESS_ENV];
  if (endpoint && harnessFile && existsSync(harnessFile)) {
    const { aws } = readHarnessFile();
    if (!aws.external && aws.endpoint === endpoint) return undefined;
  }
  return endpoint;
}

/** Starts moto, or reuses the user's AWS_ENDPOINT_URL. */
export async function startMoto(options: StartMotoOptions = {}): Promise<AwsEmulator> {
  const endpoint = userEndpoint();
  if (endpoint) {
    return {
      endpoint,
      external: true,
      readLog: () => "",
      stop: async () => undefined,
    };
  }
  return startMotoServer(options);
}

/**
 * A separate moto whose requests are checked against IAM, so a test sees a real
 * AccessDeniedException over the wire. Always a local moto, even with AWS_ENDPOINT_URL set:
 * LocalStack's free edition does not enforce IAM. Enforcement is process-wide in moto, which is
 * why this never reuses the shared instance. The endpoint is a proxy that gives IAM denials
 * the JSON shape real AWS uses (see aws-json-error-proxy.ts).
 */
export async function startIamEnforcedMoto(
  options: StartIamEnforcedOptions,
): Promise<IamEnforcedEmulator> {
  const emulator = await startMotoServer(options);
  try {
    const users = await createIamUsers(emulator.endpoint, options.users);
    await enforceIam(emulator.endpoint);
    const proxy = await startJsonErrorProxy(emulator.endpoint);
    const stop = async () => {
      await proxy.stop();
      await emulator.stop();
    };
    return { ...emulator, endpoint: proxy.endpoint, users, stop };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

/**
 * A moto of its own, even when AWS_ENDPOINT_URL is set: for tests that change process-wide
 * emulator state (moto's state manager), which must not leak into the shared instance.
 */
export function startLocalMoto(options: StartMotoOptions = {}): Promise<AwsEmulator> {
  return startMotoServer(options);
}

async function startMotoServer(options: StartMotoOptions): Promise<AwsEmulator> {
  const { motoServerBin } = emulatorTools();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logDir = mkdtempSync(join(tmpdir(), "rotation-moto-"));
  const logFile = join(logDir, "moto.log");
  // A file, not a pipe: moto logs every request, and an undrained pipe would block it.
  const logFd = openSync(logFile, "a");
  const child = spawn(motoServerBin, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", logFd, logFd],
    // Services report one running task and a COMPLETED rollout when desiredCount <= 1 (and
    // IN_PROGRESS forever above it), so the refresh's wait can end both ways (EMULATOR.md).
    env: { ...process.env, MOTO_ECS_SERVICE_RUNNING: "1", ...options.env },
  });
  closeSync(logFd);
  // The emulator must not keep a demo or benchmark process alive, nor outlive it.
  child.unref();
  const killOnExit = () => {
    child.kill("SIGKILL");
    rmSync(logDir, { recursive: true, force: true });
  };
  process.on("exit", killOnExit);

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const readLog = () => readFileSync(logFile, "utf8");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(logDir, { recursive: true, force: true });
  };

  try {
    await waitUntilAnswering(
      endpoint,
      () => child.exitCode !== null || child.signalCode !== null,
      readLog,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, external: false, readLog, stop };
}

async function waitUntilAnswering(
  endpoint: string,
  hasExited: () => boolean,
  readLog: () => string,
) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) {
      throw new MotoStartError(`moto_server exited during startup; its output:\n${readLog()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new MotoStartError(
    `moto_server did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms; run \`npm run setup\` and check its output:\n${readLog()}`,
  );
}
