/**
 * Jest global setup of the integration project: one PostgreSQL cluster, one AWS emulator and
 * one build of the Lambda bundle per run, shared by every worker. Workers inherit process.env
 * as set here; they find the rest through the JSON file named by ROTATION_TEST_HARNESS (see
 * harness.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle } from "./bundle";
import { HARNESS_ENV, type HarnessFile } from "./harness-file";
import { startMoto, type AwsEmulator } from "./moto";
import { startPostgres, type PgCluster } from "./postgres";

/** What global-teardown.ts stops; jest runs both in the same process and global object. */
export interface RunningHarness {
  readonly postgres: PgCluster;
  readonly aws: AwsEmulator;
  readonly harnessDir: string;
}

declare global {
  var rotationHarness: RunningHarness | undefined;
}

const REGION = "us-east-1";

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const userEndpoint = process.env.AWS_ENDPOINT_URL;
  const harnessDir = mkdtempSync(join(tmpdir(), "rotation-harness-"));
  let bundle: HarnessFile["bundle"];
  let postgres: PgCluster | undefined;
  let aws: AwsEmulator;
  try {
    // First: sources that do not build fail the run before any server starts.
    bundle = buildBundle(harnessDir);
    postgres = await startPostgres();
    aws = await startMoto();
  } catch (error) {
    await postgres?.stop();
    rmSync(harnessDir, { recursive: true, force: true });
    throw error;
  }

  process.env.AWS_ENDPOINT_URL = aws.endpoint;
  process.env.AWS_REGION = REGION;
  // The SDK warns once per process that its 2027 releases need Node 22; the Lambda runs on
  // Node 22 or 24 (nodejs22.x, nodejs24.x), and the warning buries test output on this Node 20
  // machine.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  process.env.AWS_DEFAULT_REGION = REGION;
  // Fake credentials for our moto, so no test can ever reach a real account with a developer's
  // keys; a user-provided endpoint keeps the user's credentials if set.
  if (!userEndpoint || !process.env.AWS_ACCESS_KEY_ID) {
    process.env.AWS_ACCESS_KEY_ID = "testing";
    process.env.AWS_SECRET_ACCESS_KEY = "testing";
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  }

  const harnessFile = join(harnessDir, "harness.json");
  // JSON.stringify keeps the cluster's data (PgClusterInfo) and drops its methods.
  const description: HarnessFile = {
    postgres,
    aws: { endpoint: aws.endpoint, region: REGION, external: aws.external },
    bundle,
  };
  writeFileSync(harnessFile, JSON.stringify(description, null, 2));
  process.env[HARNESS_ENV] = harnessFile;
  globalThis.rotationHarness = { postgres, aws, harnessDir };

  const source = aws.external ? "user's AWS_ENDPOINT_URL" : "moto";
  process.stdout.write(
    `\nharness: PostgreSQL on localhost:${postgres.port}, AWS API (${source}) at ${aws.endpoint}, ready in ${Date.now() - started} ms\n`,
  );
}
