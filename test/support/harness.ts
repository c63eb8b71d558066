/**
 * What an integration test uses: the shared PostgreSQL cluster (with its admin helpers
 * re-bound in this worker), the AWS endpoint and the built bundle, plus unique names that
 * keep tests apart.
 */
import { randomBytes } from "node:crypto";
import { readHarnessFile, type HarnessFile } from "./harness-file";
import { pgClusterClient, type PgClusterClient, type PgClusterInfo } from "./pg-cluster-client";

export interface Harness extends PgClusterInfo, PgClusterClient {
  readonly aws: HarnessFile["aws"];
  readonly bundle: HarnessFile["bundle"];
}

let cached: Harness | undefined;

/** The services of this jest run. Throws HarnessNotRunningError outside the integration project. */
export function harness(): Harness {
  if (cached) return cached;
  const file = readHarnessFile();
  cached = {
    ...file.postgres,
    ...pgClusterClient(file.postgres),
    aws: file.aws,
    bundle: file.bundle,
  };
  return cached;
}

/**
 * `<prefix>_<random>`: lowercase letters, digits and underscores only, so the result is a
 * valid unquoted PostgreSQL role name and an SSM path segment. Tests share one cluster and one
 * emulator; distinct names are what keeps them independent.
 */
export function uniqueName(prefix: string): string {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) {
    throw new RangeError(
      `uniqueName: prefix "${prefix}" must be 1-41 lowercase letters, digits or _`,
    );
  }
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}
