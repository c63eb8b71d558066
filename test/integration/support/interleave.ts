/**
 * Deterministic interleavings of two runs: hold one run's SSM response until the other run
 * has reached a step, to reproduce exactly the race that "started at once" hits only
 * sometimes. This only delays a real response (as a slow network would); it changes none.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";

export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

export function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve: () => resolve() };
}

/**
 * After the first response (or error) of a `command` request for parameter `name` (its
 * `Name`, or one of its `Names`): signal `received`, then hand the response to the caller
 * only once `release` resolves.
 */
export function holdResponse(
  client: SSMClient,
  command: string,
  name: string,
  received: Deferred,
  release: Promise<void>,
): void {
  let held = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Name?: unknown; Names?: unknown };
      const names = Array.isArray(input.Names) ? (input.Names as unknown[]) : [input.Name];
      const matches = !held && context.commandName === command && names.includes(name);
      try {
        return await next(args);
      } finally {
        if (matches) {
          held = true;
          received.resolve();
          await release;
        }
      }
    },
    { step: "initialize", name: "holdResponseForTest" },
  );
}
