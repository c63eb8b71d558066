/**
 * The description of the services one jest run shares, written by the global setup and read
 * by each worker process: plain JSON, found through the ROTATION_TEST_HARNESS variable.
 */
import { readFileSync } from "node:fs";
import type { BuiltBundle } from "./bundle";
import type { PgClusterInfo } from "./pg-cluster-client";

export const HARNESS_ENV = "ROTATION_TEST_HARNESS";

export interface HarnessFile {
  readonly postgres: PgClusterInfo;
  readonly aws: {
    readonly endpoint: string;
    readonly region: string;
    /** True when the endpoint is the user's AWS_ENDPOINT_URL (e.g. LocalStack), not our moto. */
    readonly external: boolean;
  };
  /** dist/rotator.zip freshly built from the sources, and its extracted files. */
  readonly bundle: BuiltBundle;
}

export class HarnessNotRunningError extends Error {
  override readonly name = "HarnessNotRunningError";
}

export function readHarnessFile(): HarnessFile {
  const file = process.env[HARNESS_ENV];
  if (!file) {
    throw new HarnessNotRunningError(
      `${HARNESS_ENV} is not set: integration tests need the services that test/support/global-setup.ts starts; ` +
        "run them through jest's integration project (`npx jest --selectProjects integration`)",
    );
  }
  return JSON.parse(readFileSync(file, "utf8")) as HarnessFile;
}
