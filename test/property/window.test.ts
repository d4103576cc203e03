// Properties of the traffic window (src/window/traffic-window.ts) and of the latency quantiles
// read from it (src/window/quantile.ts). Generated intervals of increases are committed to a real
// TrafficWindow and to a plain list, and every question (any window, any client selector, asked
// in any order) must get the list's answer: the window of the sums is the sum of the windows.
// Compaction into coarse buckets may only widen a window by less than one coarse bucket.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { edgeKey } from '../../src/mesh/index.js';
import type { TrafficEdge } from '../../src/mesh/index.js';
import { histogramQuantile, TrafficWindow } from '../../src/window/index.js';
import type { SourceSelector, SourceWorkload, WindowTotals } from '../../src/window/index.js';

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

const BOUNDS = [10, 100, 1000, Number.POSITIVE_INFINITY];
const ROUTE_BOUNDS = [25, 250, Number.POSITIVE_INFINITY];

const EDGES: readonly TrafficEdge[] = [
  { apexNamespace: 'default', apex: 'web', leaf: 'web-v1' },
  { apexNamespace: 'default', apex: 'web', leaf: 'web-v2' },
  { apexNamespace: 'prod', apex: 'api', leaf: 'api-v1' },
  { apexNamespace: 'default', apex: 'web', leaf: 'web-v1', route: 'gateway.networking.k8s.io/web' },
];

const SOURCES: readonly SourceWorkload[] = [
  { namespace: 'default', kind: 'deployment', name: 'frontend' },
  { namespace: 'default', kind: 'job', name: 'batch' },
  { namespace: 'jobs', kind: 'deployment', name: 'frontend' },
  { namespace: 'a|b', kind: 'pod', name: 'x' },
];

/** Selector fields as a client may send them: real values, empty strings, separators. */
const selectorField = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('', '|') },
  { weight: 3, arbitrary: fc.constantFrom('default', 'jobs', 'a|b', 'a', 'b', 'deployment', 'job', 'pod', 'frontend', 'x', '||') },
);
const selector: fc.Arbitrary<SourceSelector> = fc.record({ namespace: selectorField, kind: selectorField, name: selectorField });

type Add =
  | { readonly what: 'success' | 'failure' | 'sum'; readonly edge: number; readonly source: number; readonly delta: number }
  | { readonly what: 'latency'; readonly edge: number; readonly source: number; readonly le: number; readonly delta: number };

interface Interval {
  readonly durationMs: number;
  readonly adds: readonly Add[];
}

/** Increases as the engine adds them: whole requests, binary fractions of ms, zero, sometimes huge. */
const delta = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 100 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.nat({ max: 2 ** 20 }).map((n) => n / 16) },
  { weight: 1, arbitrary: fc.nat({ max: 2 ** 36 }) },
);

const add: fc.Arbitrary<Add> = fc.oneof(
  fc.record({ what: fc.constantFrom('success' as const, 'failure' as const, 'sum' as const), edge: fc.nat({ max: EDGES.length - 1 }), source: fc.nat({ max: SOURCES.length - 1 }), delta }),
  fc.record({
    what: fc.constant('latency' as const),
    edge: fc.nat({ max: EDGES.length - 1 }),
    source: fc.nat({ max: SOURCES.length - 1 }),
    // Bounds of both layouts, and one neither has: it must be ignored.
    le: fc.constantFrom(...BOUNDS, ...ROUTE_BOUNDS, 7),
    delta,
  }),
);

const intervals = fc.array(fc.record({ durationMs: fc.oneof(fc.constant(10_000), fc.integer({ min: 1, max: 90_000 })), adds: fc.array(add, { maxLength: 8 }) }), { minLength: 1, maxLength: 40 });

interface Options {
  readonly retentionMs: number;
  readonly fineRetentionMs: number;
  readonly coarseBucketMs: number;
}

function fill(list: readonly Interval[], options: Options): TrafficWindow {
  const window = new TrafficWindow({ latencyBucketsMs: BOUNDS, routeLatencyBucketsMs: ROUTE_BOUNDS, ...options });
  let end = 1_700_000_000_000;
  for (const { durationMs, adds } of list) {
    const interval = window.openInterval();
    for (const a of adds) {
      const edge = EDGES[a.edge] as TrafficEdge;
      const source = SOURCES[a.source] as SourceWorkload;
      if (a.what === 'latency') interval.addLatency(edge, source, a.le, a.delta);
      else if (a.what === 'sum') interval.addLatencySum(edge, source, a.delta);
      else interval.addResponses(edge, source, a.what, a.delta);
    }
    window.commit(interval, end, end + durationMs);
    end += durationMs;
  }
  return window;
}

interface ModelTotals {
  success: number;
  failure: number;
  latencySumMs: number;
  latency: number[];
}

/** The plain answer: every add of every interval that ends inside the window, kept by retention. */
function model(list: readonly Interval[], windowMs: number, retentionMs: number, sel: SourceSelector): { edges: Map<string, ModelTotals>; coveredMs: number } {
  const edges = new Map<string, ModelTotals>();
  let end = 1_700_000_000_000;
  const spans = list.map(({ durationMs }) => {
    const span = { start: end, end: end + durationMs };
    end += durationMs;
    return span;
  });
  const latest = end;
  const from = Math.max(latest - windowMs, latest - retentionMs);
  let earliest = latest;
  list.forEach(({ adds }, i) => {
    const span = spans[i] as { start: number; end: number };
    if (span.end <= from) return;
    earliest = Math.min(earliest, span.start);
    for (const a of adds) {
      const edge = EDGES[a.edge] as TrafficEdge;
      const source = SOURCES[a.source] as SourceWorkload;
      if (sel.namespace !== undefined && sel.namespace !== source.namespace) continue;
      if (sel.kind !== undefined && sel.kind !== source.kind) continue;
      if (sel.name !== undefined && sel.name !== source.name) continue;
      const bounds = edge.route === undefined ? BOUNDS : ROUTE_BOUNDS;
      const bucket = a.what === 'latency' ? bounds.indexOf(a.le) : 0;
      // Adding zero, or to a bound the edge's histogram does not have, leaves no trace.
      if (a.delta === 0 || bucket < 0) continue;
      const key = edgeKey(edge);
      const totals = edges.get(key) ?? { success: 0, failure: 0, latencySumMs: 0, latency: bounds.map(() => 0) };
      edges.set(key, totals);
      if (a.what === 'latency') totals.latency[bucket] = (totals.latency[bucket] as number) + a.delta;
      else if (a.what === 'sum') totals.latencySumMs += a.delta;
      else totals[a.what] += a.delta;
    }
  });
  return { edges, coveredMs: latest - earliest };
}

function plainTotals(totals: WindowTotals): { edges: Map<string, ModelTotals>; coveredMs: number } {
  const edges = new Map<string, ModelTotals>();
  for (const [key, t] of totals.edges) edges.set(key, { success: t.success, failure: t.failure, latencySumMs: t.latencySumMs, latency: [...t.latency] });
  return { edges, coveredMs: totals.coveredMs };
}

/** Every number of `a` is at most the matching number of `b` (an absent edge counts as zeros). */
function assertAtMost(a: WindowTotals, b: WindowTotals, what: string): void {
  for (const [key, t] of a.edges) {
    const u = b.edges.get(key);
    assert.ok(u !== undefined, `${what}: ${key} missing`);
    assert.ok(t.success <= u.success && t.failure <= u.failure && t.latencySumMs <= u.latencySumMs, `${what}: ${key} counts`);
    t.latency.forEach((count, i) => assert.ok(count <= (u.latency[i] ?? 0), `${what}: ${key} bucket ${i}`));
  }
}

// Mostly a few common windows, so that questions repeat and meet the answers cached for others.
const windowMs = fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 4_000_000 }) }, { weight: 3, arbitrary: fc.constantFrom(15_000, 60_000, 600_000, 3_600_000) });

describe('TrafficWindow', () => {
  it('answers every window and client selector, asked in any order, with the sum of the intervals in it', () => {
    const options = { retentionMs: 600_000, fineRetentionMs: 600_000, coarseBucketMs: 60_000 };
    fc.assert(
      fc.property(intervals, fc.array(fc.tuple(windowMs, selector), { minLength: 1, maxLength: 12 }), (list, questions) => {
        const window = fill(list, options);
        for (const [w, sel] of questions) {
          const got = window.totals(w, sel);
          assert.deepEqual(plainTotals(got), model(list, w, options.retentionMs, sel), `window ${w}, selector ${JSON.stringify(sel)}`);
          for (const t of got.edges.values()) {
            for (const n of [t.success, t.failure, t.latencySumMs, ...t.latency]) assert.ok(Number.isFinite(n) && n >= 0, `${n} is a count`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives each client its share: the totals of all clients are the sum of each client’s', () => {
    fc.assert(
      fc.property(intervals, windowMs, (list, w) => {
        const window = fill(list, { retentionMs: 3_600_000, fineRetentionMs: 600_000, coarseBucketMs: 60_000 });
        const all = window.totals(w);
        const summed = new Map<string, ModelTotals>();
        for (const source of SOURCES) {
          for (const [key, t] of window.totals(w, source).edges) {
            const s = summed.get(key) ?? { success: 0, failure: 0, latencySumMs: 0, latency: Array.from(t.latency, () => 0) };
            s.success += t.success;
            s.failure += t.failure;
            s.latencySumMs += t.latencySumMs;
            t.latency.forEach((count, i) => (s.latency[i] = (s.latency[i] as number) + count));
            summed.set(key, s);
          }
        }
        assert.deepEqual(plainTotals(all).edges, summed);
      }),
      { numRuns: 150 },
    );
  });

  it('compacts old intervals without changing short windows, and widens long ones by less than a coarse bucket', () => {
    fc.assert(
      fc.property(
        intervals,
        fc.record({ retentionMs: fc.integer({ min: 60_000, max: 1_200_000 }), fineRetentionMs: fc.integer({ min: 0, max: 300_000 }), coarseBucketMs: fc.integer({ min: 1_000, max: 120_000 }) }),
        windowMs,
        (list, options, w) => {
          const compacted = fill(list, options);
          const reference = fill(list, { retentionMs: Number.MAX_SAFE_INTEGER, fineRetentionMs: Number.MAX_SAFE_INTEGER, coarseBucketMs: options.coarseBucketMs });
          const inRetention = Math.min(w, options.retentionMs);
          const got = compacted.totals(w);
          if (w <= options.fineRetentionMs) assert.deepEqual(plainTotals(got), plainTotals(reference.totals(inRetention)));
          assertAtMost(reference.totals(inRetention), got, 'everything in the window is counted');
          assertAtMost(got, reference.totals(inRetention + options.coarseBucketMs), 'nothing older than a coarse bucket before the window is');
          assert.deepEqual(plainTotals({ edges: compacted.lifetimeTotals(), coveredMs: 0, endMs: 0 }), plainTotals({ edges: reference.lifetimeTotals(), coveredMs: 0, endMs: 0 }), 'lifetime totals forget nothing');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never shrinks as the window grows, whatever the increases', () => {
    const huge = fc.array(
      fc.record({
        durationMs: fc.integer({ min: 1, max: 60_000 }),
        adds: fc.array(
          fc.record({ what: fc.constantFrom('success' as const, 'sum' as const), edge: fc.nat({ max: EDGES.length - 1 }), source: fc.nat({ max: SOURCES.length - 1 }), delta: fc.oneof(fc.double({ min: 0, max: Number.MAX_SAFE_INTEGER, noNaN: true }), fc.constant(Number.MAX_SAFE_INTEGER)) }),
          { maxLength: 6 },
        ),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(huge, windowMs, windowMs, (list, a, b) => {
        const window = fill(list, { retentionMs: 3_600_000, fineRetentionMs: 300_000, coarseBucketMs: 60_000 });
        const [short, long] = a <= b ? [a, b] : [b, a];
        assertAtMost(window.totals(short), window.totals(long), `${short} within ${long}`);
        for (const t of window.totals(long).edges.values()) assert.ok(Number.isFinite(t.success) && Number.isFinite(t.latencySumMs), 'finite');
      }),
      { numRuns: 150 },
    );
  });
});

describe('histogramQuantile', () => {
  /** Ascending distinct finite bounds of any magnitude, then +Inf; `signed` lets them go below zero. */
  const boundsOf = (signed: boolean) =>
    fc
      .uniqueArray(
        fc.oneof(
          fc.double({ min: 0, max: 1e12, noNaN: true }),
          fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }),
          fc.double({ min: signed ? -1e12 : 0, max: 1e12, noNaN: true }),
          fc.constantFrom(0, 1, 5, 10, 100),
        ),
        { minLength: 1, maxLength: 8 },
      )
      .map((values) => [...values.sort((x, y) => x - y), Number.POSITIVE_INFINITY]);
  const bounds = boundsOf(false);
  const count = fc.oneof(fc.nat({ max: 1000 }), fc.double({ min: 0, max: 1e15, noNaN: true }), fc.constantFrom(0, 1e308));

  it('is NaN or lies within the bucket bounds, for any bucket counts', () => {
    fc.assert(
      fc.property(bounds, fc.array(count, { minLength: 9, maxLength: 9 }), fc.double({ min: 0, max: 1, noNaN: true }), (les, counts, q) => {
        const value = histogramQuantile(q, les.map((le, i) => ({ le, count: counts[i] ?? 0 })));
        const high = les[les.length - 2] ?? 0;
        assert.ok(Number.isNaN(value) || (value >= 0 && value <= high), `q ${q}: ${value} outside [0, ${high}]`);
      }),
      { numRuns: 1000 },
    );
  });

  it('stays within bounds below zero too, up to the rounding of Prometheus’ own arithmetic', () => {
    // bucketStart + (bucketEnd − bucketStart) × fraction, done in doubles as Prometheus does, may
    // land a rounding step outside a bucket whose bounds differ wildly in magnitude.
    fc.assert(
      fc.property(boundsOf(true), fc.array(count, { minLength: 9, maxLength: 9 }), fc.double({ min: 0, max: 1, noNaN: true }), (les, counts, q) => {
        const value = histogramQuantile(q, les.map((le, i) => ({ le, count: counts[i] ?? 0 })));
        const low = Math.min(0, les[0] ?? 0);
        const high = les[les.length - 2] ?? 0;
        const slack = 2 ** -52 * Math.max(Math.abs(low), Math.abs(high));
        assert.ok(Number.isNaN(value) || (value >= low - slack && value <= high + slack), `q ${q}: ${value} outside [${low}, ${high}]`);
      }),
      { numRuns: 1000 },
    );
  });

  it('grows with q, even over counts that dip (series read at slightly different moments)', () => {
    fc.assert(
      fc.property(bounds, fc.array(fc.nat({ max: 1000 }), { minLength: 9, maxLength: 9 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (les, numbers, cumulative, q1, q2) => {
        let running = 0;
        const buckets = les.map((le, i) => ({ le, count: cumulative ? (running += numbers[i] ?? 0) : (numbers[i] ?? 0) }));
        const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
        const a = histogramQuantile(lo, buckets);
        const b = histogramQuantile(hi, buckets);
        if (!Number.isNaN(a) && !Number.isNaN(b)) assert.ok(a <= b, `q ${lo} → ${a} but q ${hi} → ${b}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads dipping counts as their running maximum, as Prometheus does', () => {
    fc.assert(
      fc.property(bounds, fc.array(count, { minLength: 9, maxLength: 9 }), fc.double({ min: 0, max: 1, noNaN: true }), (les, counts, q) => {
        const buckets = les.map((le, i) => ({ le, count: counts[i] ?? 0 }));
        let max = 0;
        const repaired = buckets.map(({ le, count: c }) => ({ le, count: (max = Math.max(max, c)) }));
        assert.ok(Object.is(histogramQuantile(q, buckets), histogramQuantile(q, repaired)));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the quantiles of any window within its latency bounds', () => {
    fc.assert(
      fc.property(intervals, windowMs, fc.double({ min: 0, max: 1, noNaN: true }), (list, w, q) => {
        const window = fill(list, { retentionMs: 3_600_000, fineRetentionMs: 300_000, coarseBucketMs: 60_000 });
        for (const t of window.totals(w).edges.values()) {
          const les = window.boundsOf(t.edge);
          const value = histogramQuantile(q, les.map((le, i) => ({ le, count: t.latency[i] ?? 0 })));
          assert.ok(Number.isNaN(value) || (value >= 0 && value <= (les[les.length - 2] ?? 0)), `${value} outside the bounds ${les.join(' ')}`);
        }
      }),
      { numRuns: 150 },
    );
  });
});
