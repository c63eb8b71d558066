/**
 * One poller for every wait of a refresh. Each waiting service registers a watch (what to
 * look at, how to judge the answer, its own deadline) instead of polling on its own; at each
 * tick the poller looks at every watch that is due, grouped (by cluster: ECS describes the
 * services or tasks of one cluster per call), in one `look` per group (or per API call where
 * the API caps how many it takes), and hands each watch its answer. Fifty services in flight
 * then cost five DescribeServices calls a tick, not fifty.
 *
 * Each watch keeps the schedule it had alone (wait.ts): looks that double their spacing from
 * `initialPollMs` up to `maxPollMs`, and a last look at its deadline, never after it. A look may
 * come up to half a spacing early so that it shares a tick with the others: watches that
 * started a few milliseconds apart fall into step at their second look and stay there.
 */
import type { Polled, Timing } from "./wait";

/** Looks at the queries of one group, one answer per query, in order. */
export type LookAll<Q, A> = (queries: readonly Q[]) => Promise<readonly A[]>;

export interface BatchPoller<Q, A> {
  /**
   * Resolves with the value `judge` returns once done, or undefined when `deadline` passed
   * first; rejects when the look fails. `lookedAlready`: the caller just saw the state (e.g. in
   * UpdateService's answer), so the first look waits one interval.
   */
  until<T>(
    query: Q,
    judge: (answer: A) => Polled<T>,
    deadline: number,
    lookedAlready?: boolean,
  ): Promise<T | undefined>;
  /** How many ticks looked at something (for tests and the benchmark). */
  readonly ticks: () => number;
}

interface Watch<Q, A> {
  readonly query: Q;
  readonly deadline: number;
  /** Judges an answer; true when the watch is settled (resolved). */
  readonly take: (answer: A, now: number) => boolean;
  readonly fail: (error: unknown) => void;
  /** When the next look is due, and the earliest moment it may happen to share a tick. */
  due: number;
  earliest: number;
  /** The spacing after the next look. */
  interval: number;
}

/** When `watch` looks next: `wait` from `now`, never after its deadline. */
function plan<Q, A>(watch: Watch<Q, A>, now: number, wait: number, maxPollMs: number): void {
  watch.due = Math.min(now + wait, watch.deadline);
  watch.earliest = now + (watch.due - now) / 2;
  watch.interval = Math.min(wait * 2, maxPollMs);
}

/** A watch that settles the promise of `until`: with the judged value, or undefined at the deadline. */
function newWatch<Q, A, T>(
  query: Q,
  judge: (answer: A) => Polled<T>,
  deadline: number,
  now: number,
  initialPollMs: number,
  settle: { resolve: (value: T | undefined) => void; reject: (error: unknown) => void },
): Watch<Q, A> {
  return {
    query,
    deadline,
    take: (answer, at) => {
      let verdict: Polled<T>;
      try {
        verdict = judge(answer);
      } catch (error) {
        settle.reject(error);
        return true;
      }
      if (verdict.done) settle.resolve(verdict.value);
      else if (at >= deadline) settle.resolve(undefined);
      else return false;
      return true;
    },
    fail: settle.reject,
    due: now,
    earliest: now,
    interval: initialPollMs,
  };
}

class SharedPoller<Q, A> implements BatchPoller<Q, A> {
  private readonly watches = new Set<Watch<Q, A>>();
  /** Wake-ups already scheduled, so that a new watch does not schedule a duplicate. */
  private readonly wakes = new Set<number>();
  private ticking = false;
  private again = false;
  private looked = 0;

  constructor(
    private readonly timing: Timing,
    private readonly groupOf: (query: Q) => string,
    private readonly look: LookAll<Q, A>,
    private readonly maxPerLook: number,
  ) {}

  ticks = (): number => this.looked;

  until<T>(
    query: Q,
    judge: (answer: A) => Polled<T>,
    deadline: number,
    lookedAlready = false,
  ): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const now = this.timing.clock();
      const { initialPollMs, maxPollMs } = this.timing;
      const watch = newWatch(query, judge, deadline, now, initialPollMs, { resolve, reject });
      if (lookedAlready) {
        if (now >= deadline) return resolve(undefined);
        plan(watch, now, initialPollMs, maxPollMs);
      }
      this.watches.add(watch);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.watches.size === 0) return;
    const next = Math.min(...[...this.watches].map((w) => w.due));
    if ([...this.wakes].some((at) => at <= next)) return;
    this.wakes.add(next);
    void this.timing.sleep(Math.max(0, next - this.timing.clock())).then(() => {
      this.wakes.delete(next);
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    // Ticks never overlap: a wake-up during a look runs once that look is done.
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        const now = this.timing.clock();
        const groups = new Map<string, Watch<Q, A>[]>();
        for (const watch of this.watches) {
          if (watch.earliest > now) continue;
          const key = this.groupOf(watch.query);
          groups.set(key, [...(groups.get(key) ?? []), watch]);
        }
        if (groups.size > 0) this.looked++;
        // One look per API call where the API has a limit, so a refused call fails only the
        // watches it carried.
        const looks = [...groups.values()].flatMap((group) => chunks(group, this.maxPerLook));
        await Promise.all(looks.map((watches) => this.lookAt(watches)));
      } while (this.again);
    } finally {
      this.ticking = false;
      this.schedule();
    }
  }

  private async lookAt(group: Watch<Q, A>[]): Promise<void> {
    let answers: readonly A[];
    try {
      answers = await this.look(group.map((w) => w.query));
    } catch (error) {
      for (const watch of group) {
        this.watches.delete(watch);
        watch.fail(error);
      }
      return;
    }
    const now = this.timing.clock();
    group.forEach((watch, i) => {
      if (watch.take(answers[i] as A, now)) this.watches.delete(watch);
      else plan(watch, now, watch.interval, this.timing.maxPollMs);
    });
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `maxPerLook`: the most queries of one group one `look` gets (an API's per-call limit). */
export function createBatchPoller<Q, A>(
  timing: Timing,
  groupOf: (query: Q) => string,
  look: LookAll<Q, A>,
  maxPerLook = Infinity,
): BatchPoller<Q, A> {
  return new SharedPoller(timing, groupOf, look, maxPerLook);
}
