/**
 * Polling with a deadline. The first look is immediate, then the interval doubles up to a
 * cap: a deployment that settles in seconds (or in the emulator) is seen at once, one that
 * takes minutes costs one DescribeServices call per cap interval. Time and sleep are
 * injected so unit tests run in virtual time.
 */

export interface Timing {
  /** Epoch milliseconds. */
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Delay before the second look; doubles after each look. */
  readonly initialPollMs: number;
  /** Longest delay between two looks. */
  readonly maxPollMs: number;
}

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export const DEFAULT_TIMING: Timing = {
  // Looked up at each call, not bound once: tests replace Date.now with a virtual clock.
  clock: () => Date.now(),
  sleep: realSleep,
  initialPollMs: 250,
  maxPollMs: 5_000,
};

export type Polled<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/**
 * Calls `look` until it returns `{done: true}` or `deadline` passes; returns the value, or
 * `undefined` on timeout. The last look happens at the deadline, never after it.
 */
export async function pollUntil<T>(
  look: () => Promise<Polled<T>>,
  deadline: number,
  timing: Timing,
): Promise<T | undefined> {
  let delay = timing.initialPollMs;
  for (;;) {
    const result = await look();
    if (result.done) return result.value;
    const left = deadline - timing.clock();
    if (left <= 0) return undefined;
    await timing.sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, timing.maxPollMs);
  }
}
