/**
 * The polling schedule. The first look is immediate, then the interval doubles up to a cap: a
 * deployment that settles in seconds (or in the emulator) is seen at once, one that takes
 * minutes costs one look per cap interval. The looks of every service in flight are shared
 * (poller.ts). Time and sleep are injected so unit tests run in virtual time.
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
