// The scrape path's rows against the simulator's exact truth, shared by the ground-truth tests of
// every mesh: exact counts, rates and shares, and each quantile equal to histogram_quantile over
// the bounds the row's clients keep (and within the bucket of the exact sample quantile).
import assert from 'node:assert/strict';
import { createLinkerdAdapter } from '../../src/mesh/index.js';
import { histogramQuantile } from '../../src/window/index.js';
import type { StatRow } from '../../src/stats/index.js';
import type { GroundTruth } from '../../src/sim/index.js';

const LINKERD_BOUNDS = createLinkerdAdapter().latencyBucketsMs;

export interface TruthRowsOptions {
  /** The latency bounds (ms, +Inf last) of a row's histogram; Linkerd's by default. */
  readonly boundsOf?: (row: StatRow) => readonly number[];
  /** Only the truth of these clients (the rows were asked `--from` them). */
  readonly filter?: { readonly clientWorkload?: string; readonly clientPod?: string; readonly clientNamespace?: string };
}

export function assertRowsMatchTruth(rows: readonly StatRow[], truth: GroundTruth, { boundsOf = () => LINKERD_BOUNDS, filter = {} }: TruthRowsOptions = {}): void {
  const windowSeconds = truth.windowMs / 1000;
  for (const row of rows) {
    const where = `${row.namespace}/${row.name} → ${row.leaf}`;
    const leaf = truth.select({ namespace: row.namespace, split: row.name, leaf: row.leaf, ...filter });
    if (leaf.total === 0) {
      assert.equal(row.stats, null, `${where}: no traffic must mean no stats`);
      continue;
    }
    assert.ok(row.stats !== null, `${where}: has traffic`);
    assert.equal(row.stats.successCount, leaf.success, `${where}: successes`);
    assert.equal(row.stats.failureCount, leaf.failure, `${where}: failures`);
    assert.equal(row.stats.windowSeconds, windowSeconds, `${where}: window`);
    assert.equal(row.stats.rps, leaf.total / windowSeconds, `${where}: rps`);
    const bounds = boundsOf(row);
    const buckets = leaf.bucketCounts(bounds.slice(0, -1));
    for (const [q, actual] of [[0.5, row.stats.latencyMsP50], [0.95, row.stats.latencyMsP95], [0.99, row.stats.latencyMsP99]] as const) {
      assert.equal(actual, histogramQuantile(q, buckets), `${where}: p${q * 100} equals histogram_quantile of the true latencies in these buckets`);
      // And within the interpolation of the bucket that holds the exact sample quantile.
      const exact = leaf.quantileMs(q) ?? Number.NaN;
      const upper = bounds.find((bound) => exact <= bound) ?? Number.POSITIVE_INFINITY;
      const lower = [0, ...bounds].filter((bound) => bound < exact).pop() ?? 0;
      assert.ok(actual >= lower && actual <= upper, `${where}: p${q * 100} ${actual} within (${lower}, ${upper}] of the exact ${exact}`);
    }
    const apex = truth.select({ namespace: row.namespace, apex: row.apex, ...filter });
    assert.equal(row.observedRatio, leaf.total / apex.total, `${where}: observed share`);
  }
}
