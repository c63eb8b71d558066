/**
 * What the demo and the benchmark both start from: a seeded stack and a freshly built bundle,
 * in a temp folder, each registered for cleanup the moment it exists.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleInto, type BuiltBundle } from "../../test/support/bundle";
import type { Cleanup } from "./cleanup";
import { startStack, type RotationStack } from "./stack";

export interface Prepared {
  readonly stack: RotationStack;
  readonly bundle: BuiltBundle;
}

export async function prepareStackAndBundle(
  cleanup: Cleanup,
  name: string,
  onProgress?: (message: string) => void,
): Promise<Prepared> {
  const workDir = mkdtempSync(join(tmpdir(), `rotation-${name}-`));
  cleanup.add(`remove ${workDir}`, () => rmSync(workDir, { recursive: true, force: true }));
  const lambdaDir = join(workDir, "lambda");
  // Servers starting and esbuild building are mostly waiting: overlap them.
  const [stack, bundle] = await Promise.allSettled([
    startStack(lambdaDir, onProgress ? { onProgress } : {}),
    buildBundleInto(lambdaDir),
  ]);
  if (stack.status === "fulfilled")
    cleanup.add("stop PostgreSQL and the emulator", () => stack.value.stop());
  if (stack.status === "rejected") throw stack.reason;
  if (bundle.status === "rejected") throw bundle.reason;
  return { stack: stack.value, bundle: bundle.value };
}
