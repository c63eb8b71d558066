/** Jest global teardown of the integration project: stops what global-setup.ts started. */
import { rmSync } from "node:fs";

export default async function globalTeardown(): Promise<void> {
  const running = globalThis.rotationHarness;
  if (!running) return;
  globalThis.rotationHarness = undefined;
  await Promise.allSettled([running.postgres.stop(), running.aws.stop()]);
  rmSync(running.harnessDir, { recursive: true, force: true });
}
