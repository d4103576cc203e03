import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PageScratch, TargetCounters } from './counter-state.js';
import { SeriesPool } from './series-pool.js';

function scrape(counters: TargetCounters<string>, samples: Record<string, number>): Record<string, number> {
  counters.beginScrape();
  const deltas: Record<string, number> = {};
  for (const [series, value] of Object.entries(samples)) {
    deltas[series] = counters.observe(series, value, () => `meaning of ${series}`).delta;
  }
  counters.endScrape();
  return deltas;
}

describe('TargetCounters', () => {
  it('takes the first scrape as a baseline, then yields increases', () => {
    const counters = new TargetCounters<string>();
    assert.deepEqual(scrape(counters, { a: 100, b: 5 }), { a: 0, b: 0 });
    assert.deepEqual(scrape(counters, { a: 130, b: 5 }), { a: 30, b: 0 });
  });

  it('counts a series that appears on a known target from zero', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 100 });
    assert.deepEqual(scrape(counters, { a: 110, fresh: 7 }), { a: 10, fresh: 7 });
  });

  it('treats a counter that went down as a reset, like increase()', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 100 });
    assert.deepEqual(scrape(counters, { a: 4 }), { a: 4 });
    assert.deepEqual(scrape(counters, { a: 10 }), { a: 6 });
  });

  it('does not turn a gap into a spike: a series missing for a few scrapes continues', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 100, b: 1 });
    scrape(counters, { b: 2 }); // a missing (e.g. a truncated response)
    scrape(counters, { b: 3 });
    assert.deepEqual(scrape(counters, { a: 150, b: 4 }), { a: 50, b: 1 });
  });

  it('forgets series missing for longer than the limit', () => {
    const counters = new TargetCounters<string>({ forgetAfterScrapes: 2 });
    scrape(counters, { a: 100, b: 1 });
    for (let i = 0; i < 3; i++) scrape(counters, { b: 1 });
    assert.equal(counters.seriesCount, 1);
    // It comes back as a new series: counted from zero.
    assert.deepEqual(scrape(counters, { a: 3, b: 1 }), { a: 3, b: 0 });
  });

  it('counts every value as new after a known restart, even one above the old value', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 5, b: 100 });
    counters.restarted();
    assert.deepEqual(scrape(counters, { a: 7, b: 3 }), { a: 7, b: 3 });
    assert.deepEqual(scrape(counters, { a: 8, b: 4 }), { a: 1, b: 1 });
  });

  it('ignores NaN samples without losing the last value', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 10 });
    assert.deepEqual(scrape(counters, { a: Number.NaN }), { a: 0 });
    assert.deepEqual(scrape(counters, { a: 15 }), { a: 5 });
  });

  it('interprets a series once and caches the meaning', () => {
    const counters = new TargetCounters<string>();
    let calls = 0;
    for (let i = 0; i < 3; i++) {
      counters.beginScrape();
      const state = counters.observe('x', i, () => {
        calls++;
        return 'x means this';
      });
      assert.equal(state.meaning, 'x means this');
      counters.endScrape();
    }
    assert.equal(calls, 1);
  });

  it('stays unbaselined until a scrape completes', () => {
    const counters = new TargetCounters<string>();
    assert.equal(counters.baselined, false);
    scrape(counters, {});
    assert.equal(counters.baselined, true);
  });
});

describe('TargetCounters: series kept by position', () => {
  it('finds each series wherever the page lists it: reordered, inserted, removed, back again', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 1, b: 1, c: 1 });
    assert.deepEqual(scrape(counters, { c: 5, x: 2, a: 3, b: 4 }), { c: 4, x: 2, a: 2, b: 3 });
    assert.deepEqual(scrape(counters, { b: 6 }), { b: 2 });
    assert.deepEqual(scrape(counters, { y: 1, a: 9, b: 7, c: 5, x: 2 }), { y: 1, a: 6, b: 1, c: 0, x: 0 });
    assert.equal(counters.seriesCount, 5);
  });

  it('expects the series after the last one found, so a page that shifted still reads in order', () => {
    const counters = new TargetCounters<string>();
    scrape(counters, { a: 1, b: 1, c: 1 });
    counters.beginScrape();
    assert.equal(counters.expectedSeries(), 'a');
    counters.observe('new', 1, () => 'new');
    assert.equal(counters.expectedSeries(), 'a', 'a new series moves nothing');
    counters.observe('b', 2, () => 'b');
    assert.equal(counters.expectedSeries(), 'c', 'after b comes c');
    counters.endScrape();
  });

  it('gives the expected series as bytes too, and none for a series that is not ASCII', () => {
    const counters = new TargetCounters<string>();
    // 'Ł' is U+0141: its low byte is 'A', so as latin1 bytes it would read as a line with "A".
    scrape(counters, { 'x{a="1"}': 1, 'x{a="Ł"}': 1, 'x{a="2"}': 1 });
    counters.beginScrape();
    assert.deepEqual(counters.expectedBytes(), Buffer.from('x{a="1"}'));
    counters.observe('x{a="1"}', 2, () => 'one');
    assert.equal(counters.expectedSeries(), 'x{a="Ł"}');
    assert.equal(counters.expectedBytes(), undefined, 'no bytes may stand for it');
    counters.observe('x{a="Ł"}', 2, () => 'Ł');
    assert.deepEqual(counters.expectedBytes(), Buffer.from('x{a="2"}'));
    counters.endScrape();
  });

  it('interprets a series once per reading, for every target sharing the pool', () => {
    const pool = new SeriesPool<string>();
    const targets = [new TargetCounters<string>({ pool }), new TargetCounters<string>({ pool })];
    let interpreted = 0;
    const read = (counters: TargetCounters<string>, reading: string): (string | null)[] => {
      counters.beginScrape(reading);
      const meanings = ['a', 'b'].map((series) => counters.observe(series, 1, () => `${series}@${reading} #${++interpreted}`).meaning);
      counters.endScrape();
      return meanings;
    };
    for (const counters of targets) assert.deepEqual(read(counters, 'old'), ['a@old #1', 'b@old #2']);
    assert.deepEqual(read(targets[0] as TargetCounters<string>, 'new'), ['a@new #3', 'b@new #4']);
    assert.deepEqual(read(targets[1] as TargetCounters<string>, 'old'), ['a@old #1', 'b@old #2'], 'each reading keeps its meaning');
    assert.equal(interpreted, 4);
  });

  it('refuses a sample outside a page, or while another target sharing the scratch reads one', () => {
    const scratch = new PageScratch<string>();
    const [first, second] = [new TargetCounters<string>({ scratch }), new TargetCounters<string>({ scratch })];
    assert.throws(() => first.observe('a', 1, () => 'a'), /outside beginScrape/);
    first.beginScrape();
    second.beginScrape();
    assert.throws(() => first.observe('a', 1, () => 'a'), /another target/);
    second.endScrape();
  });
});

describe('TargetCounters: values that are no counter value, and pages that are no scrape', () => {
  function baselined(): TargetCounters<string> {
    const counters = new TargetCounters<string>();
    counters.beginScrape();
    counters.observe('a', 10, () => 'a');
    counters.endScrape();
    return counters;
  }

  it('rejects negative, infinite and beyond-2^53 values: counted, never stored, never an increase', () => {
    const counters = baselined();
    for (const value of [-5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308, 2 ** 53 + 2]) {
      counters.beginScrape();
      assert.equal(counters.observe('a', value, () => 'a').delta, 0, String(value));
      assert.equal(counters.rejected, 1, String(value));
      counters.endScrape();
    }
    counters.beginScrape();
    // The last good value (10) is still the baseline.
    assert.equal(counters.observe('a', 15, () => 'a').delta, 5);
    counters.endScrape();
  });

  it('flags a series seen twice in one page, and abortScrape() leaves the counters as the previous page did', () => {
    const counters = baselined();
    counters.beginScrape();
    assert.equal(counters.observe('a', 100, () => 'a').delta, 90);
    assert.equal(counters.observe('a', 50, () => 'a').delta, 0);
    counters.observe('new', 7, () => 'new');
    assert.equal(counters.duplicates, 1);
    counters.abortScrape();
    assert.equal(counters.seriesCount, 1, 'the series the aborted page created are forgotten');
    counters.beginScrape();
    assert.equal(counters.observe('a', 30, () => 'a').delta, 20, 'increase over the last good page');
    assert.equal(counters.duplicates, 0);
    counters.endScrape();
  });
});

describe('TargetCounters: a bound on series', () => {
  it('tracks at most maxSeries series; new ones beyond it are counted, never kept, never an increase', () => {
    const counters = new TargetCounters<string>({ maxSeries: 2 });
    counters.beginScrape();
    counters.observe('a', 1, () => 'a');
    counters.observe('b', 1, () => 'b');
    counters.endScrape();
    counters.beginScrape();
    assert.equal(counters.observe('a', 5, () => 'a').delta, 4, 'known series go on');
    const churn = counters.observe('c', 100, () => 'c');
    assert.deepEqual([churn.meaning, churn.delta], [null, 0]);
    assert.equal(counters.droppedSeries, 1);
    assert.equal(counters.seriesCount, 2);
    counters.endScrape();
  });

  it('shares a pool with the other targets: together they keep at most its size, and give places back when series go', () => {
    const pool = new SeriesPool<string>(3);
    const first = new TargetCounters<string>({ pool, forgetAfterScrapes: 1 });
    const second = new TargetCounters<string>({ pool });
    scrape(first, { a: 1, b: 1 });
    scrape(second, { x: 1, y: 1 });
    assert.deepEqual([first.seriesCount, second.seriesCount, second.droppedSeries, pool.used], [2, 1, 1, 3]);
    // An aborted scrape gives back what it created.
    first.beginScrape();
    first.observe('a', 2, () => 'a');
    first.abortScrape();
    // `b` is forgotten after being missing; its place goes to the next new series.
    scrape(first, { a: 2 });
    scrape(first, { a: 3 });
    assert.deepEqual([first.seriesCount, pool.used], [1, 2]);
    assert.equal(scrape(second, { x: 2, y: 5 }).y, 5, 'y is kept now, and counts from zero like any new series');
    assert.equal(second.seriesCount, 2);
    // A target that goes away gives all its places back.
    second.dispose();
    assert.equal(pool.used, 1);
  });
});
