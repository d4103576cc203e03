// Properties of TargetCounters (src/window/counter-state.ts), which turns one proxy's cumulative
// counters into increases. The test generates what really happened to each counter (it rises,
// the process restarts, series appear later) and what the pages showed of it (the true value, or
// nothing, or garbage, or the series twice; pages abandoned half way), and checks the increases
// against that truth: never negative or non-finite, never more than the counters really rose
// since the first page that was taken, and exactly Prometheus' increase() of what the taken pages
// showed. A series pool shared by targets must count exactly the series they hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeriesPool, TargetCounters } from '../../src/window/index.js';

/** The largest counter value taken (counter-state.ts): beyond 2^53 a double no longer counts exactly. */
const MAX_COUNTER_VALUE = Number.MAX_SAFE_INTEGER;

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

const SERIES = ['a', 'b', 'c', 'd'] as const;

/** How a page shows one series. */
type Shown =
  | { readonly as: 'true' }
  | { readonly as: 'missing' }
  /** A value no counter can have: the page must not move the counter. */
  | { readonly as: 'garbage'; readonly value: number }
  /** The series twice: the page must be abandoned. */
  | { readonly as: 'twice'; readonly second: number }
  /** Any number at all, on a page that is abandoned anyway. */
  | { readonly as: 'wrong'; readonly value: number };

interface Step {
  /** The process restarted before this scrape: every counter starts again from zero. */
  readonly restart: boolean;
  /** Whether the caller noticed the restart (process start time) and said so. */
  readonly noticed: boolean;
  readonly reinterpret: boolean;
  /** Abandoned for a reason of its own (mostly garbage, say), whatever the series show. */
  readonly abandon: boolean;
  /** What each series rose by before this scrape. */
  readonly increments: readonly number[];
  readonly shown: readonly Shown[];
}

interface History {
  /** The scrape at which each series comes into being (it counts from zero then). */
  readonly born: readonly number[];
  readonly steps: readonly Step[];
  readonly maxSeries: number;
}

const garbage = fc.constantFrom(-1, -1e308, Number.NaN, Infinity, -Infinity, 1e308, 2 ** 53 + 2, Number.MAX_VALUE, -0.5);
const anyNumber = fc.oneof(fc.double(), fc.nat(), garbage);

/** Increases a counter may make between scrapes: whole requests, or binary fractions of seconds. */
const increment = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 1000 }) },
  { weight: 1, arbitrary: fc.nat({ max: 2 ** 20 }).map((n) => n / 8) },
  { weight: 1, arbitrary: fc.nat({ max: 2 ** 40 }) },
);

const shown: fc.Arbitrary<Shown> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Shown>({ as: 'true' }) },
  { weight: 1, arbitrary: fc.constant<Shown>({ as: 'missing' }) },
  { weight: 1, arbitrary: garbage.map((value): Shown => ({ as: 'garbage', value })) },
  { weight: 1, arbitrary: anyNumber.map((second): Shown => ({ as: 'twice', second })) },
  { weight: 1, arbitrary: anyNumber.map((value): Shown => ({ as: 'wrong', value })) },
);

function history({ restarts }: { restarts: boolean }): fc.Arbitrary<History> {
  const step: fc.Arbitrary<Step> = fc.record({
    restart: restarts ? fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) : fc.constant(false),
    noticed: fc.boolean(),
    reinterpret: fc.boolean(),
    abandon: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    increments: fc.array(increment, { minLength: SERIES.length, maxLength: SERIES.length }),
    shown: fc.array(shown, { minLength: SERIES.length, maxLength: SERIES.length }),
  });
  return fc.record({
    born: fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 12 })), { minLength: SERIES.length, maxLength: SERIES.length }),
    steps: fc.array(step, { minLength: 1, maxLength: 25 }),
    maxSeries: fc.oneof({ weight: 3, arbitrary: fc.constant(50_000) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: SERIES.length }) }),
  });
}

interface Outcome {
  /**
   * Per series: the sum of the increases of every page that was taken, the baseline page included
   * (the engine adds a target's first page too when the target joins a running engine).
   */
  readonly counted: number[];
  /** Per series: what it really rose by after the baseline page (restarts included). */
  readonly rose: number[];
  /**
   * Per series: Prometheus' increase() over the values the taken pages showed, from the baseline
   * on: a rise counts as the difference, a fall as a reset to zero (so the new value), and a
   * restart the caller noticed starts the next value from zero.
   */
  readonly increase: number[];
}

/**
 * Plays the history against TargetCounters as the scrape engine drives it, asserting the
 * per-sample facts on the way, and returns the totals to compare with the truth.
 */
function play({ born, steps, maxSeries }: History): Outcome {
  const counters = new TargetCounters<string>({ maxSeries });
  const truth: number[] = SERIES.map(() => 0);
  const counted: number[] = SERIES.map(() => 0);
  const rose: number[] = SERIES.map(() => 0);
  const increase: number[] = SERIES.map(() => 0);
  /** The last value a taken page showed, the start of the next increase; 0 before any. */
  const last: number[] = SERIES.map(() => 0);
  let reading = 0;
  let baselineTaken = false;

  steps.forEach((step, index) => {
    if (step.restart) truth.fill(0);
    SERIES.forEach((_, s) => {
      if (index < (born[s] ?? 0)) return;
      truth[s] = (truth[s] as number) + (step.increments[s] ?? 0);
      if (baselineTaken) rose[s] = (rose[s] as number) + (step.increments[s] ?? 0);
    });
    if (step.restart && step.noticed) {
      counters.restarted();
      last.fill(0);
    }
    // A page read otherwise (another proxy generation) interprets its series afresh.
    if (step.reinterpret) reading++;
    // Up to and including the first page that is taken, every live series shows its true value,
    // so that the baseline is what the counters really were.
    const shows = step.shown.map((how): Shown => (baselineTaken || how.as === 'wrong' || how.as === 'twice' ? how : { as: 'true' }));
    const twice = shows.some((how, s) => how.as === 'twice' && index >= (born[s] ?? 0));
    const abandoned = step.abandon || twice;
    const wrongOnTakenPage = !abandoned && shows.some((how, s) => how.as === 'wrong' && index >= (born[s] ?? 0));
    // A wrong value on a page that is taken would be a lie no counter logic can see through.
    const page = wrongOnTakenPage ? shows.map((how): Shown => (how.as === 'wrong' ? { as: 'true' } : how)) : shows;

    counters.beginScrape(String(reading));
    const deltas: number[] = SERIES.map(() => 0);
    let rejected = 0;
    const observe = (s: number, value: number): number => {
      if (!Number.isNaN(value) && !(value >= 0 && value <= MAX_COUNTER_VALUE)) rejected++;
      const series = SERIES[s] as string;
      const state = counters.observe(series, value, () => `${series}@${reading}`);
      assert.ok(Number.isFinite(state.delta) && state.delta >= 0, `${series}: delta ${state.delta} for ${value}`);
      if (state.meaning !== null) assert.equal(state.meaning, `${series}@${reading}`, 'the meaning is that of the current reading');
      return state.delta;
    };
    page.forEach((how, s) => {
      if (index < (born[s] ?? 0) || how.as === 'missing') return;
      const value = how.as === 'garbage' || how.as === 'wrong' ? how.value : (truth[s] as number);
      deltas[s] = observe(s, value);
      if (how.as === 'twice') assert.equal(observe(s, how.second), 0, 'a series seen twice in a page has no increase the second time');
    });
    assert.equal(counters.rejected, rejected, 'every value that is no counter value is counted');
    assert.ok(counters.seriesCount <= maxSeries, 'no more series than allowed');
    if (abandoned) {
      counters.abortScrape();
      return;
    }
    counters.endScrape();
    SERIES.forEach((_, s) => {
      counted[s] = (counted[s] as number) + (deltas[s] as number);
      const how = page[s] as Shown;
      if (index < (born[s] ?? 0) || how.as !== 'true') return;
      const value = truth[s] as number;
      // The baseline page only sets where increases start from.
      if (baselineTaken) increase[s] = (increase[s] as number) + (value >= (last[s] as number) ? value - (last[s] as number) : value);
      last[s] = value;
    });
    baselineTaken = true;
  });
  return { counted, rose, increase };
}

describe('TargetCounters over generated scrape histories', () => {
  it('never yields a negative or non-finite increase, nor more than the counters really rose', () => {
    fc.assert(
      fc.property(history({ restarts: true }), (h) => {
        const { counted, rose } = play(h);
        SERIES.forEach((series, s) => {
          assert.ok((counted[s] as number) <= (rose[s] as number), `${series}: counted ${counted[s]}, but it rose by ${rose[s]}`);
        });
      }),
      { numRuns: 250 },
    );
  });

  it("counts exactly Prometheus' increase() of the values the taken pages showed", () => {
    fc.assert(
      fc.property(
        history({ restarts: true }).filter((h) => h.maxSeries >= SERIES.length),
        (h) => {
          const { counted, increase } = play(h);
          assert.deepEqual(counted, increase);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('keeps a shared series pool exactly as full as the targets sharing it, never fuller than its size', () => {
    type Op =
      | { readonly op: 'page'; readonly target: number; readonly series: readonly number[]; readonly abandon: boolean }
      | { readonly op: 'dispose'; readonly target: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('page' as const), target: fc.nat({ max: 2 }), series: fc.array(fc.nat({ max: 7 }), { maxLength: 6 }), abandon: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('dispose' as const), target: fc.nat({ max: 2 }) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 40 }), (size, maxSeries, forgetAfterScrapes, ops) => {
        const pool = new SeriesPool<string>(size);
        const make = (): TargetCounters<string> => new TargetCounters<string>({ pool, maxSeries, forgetAfterScrapes });
        const targets = [make(), make(), make()];
        const check = (when: string): void => {
          const held = targets.reduce((sum, t) => sum + t.seriesCount, 0);
          assert.equal(pool.used, held, `${when}: the pool counts the series the targets hold`);
          assert.ok(pool.used <= size, `${when}: ${pool.used} of ${size}`);
          for (const t of targets) assert.ok(t.seriesCount <= maxSeries, `${when}: a target holds ${t.seriesCount} > ${maxSeries}`);
        };
        ops.forEach((o, i) => {
          if (o.op === 'dispose') {
            targets[o.target]?.dispose();
            targets[o.target] = make();
            check(`after dispose ${i}`);
            return;
          }
          const counters = targets[o.target] as TargetCounters<string>;
          counters.beginScrape();
          for (const n of o.series) counters.observe(`s${n}`, n, () => `s${n}`);
          check(`during page ${i}`);
          if (o.abandon) counters.abortScrape();
          else counters.endScrape();
          check(`after page ${i}`);
        });
      }),
      { numRuns: 250 },
    );
  });
});
