// What each backend of a split really served, from the traffic this process scraped: lifetime
// counters and a latency histogram (so Prometheus can take rate() and sum shards like any proxy
// metric), and the observed share over a recent window (so a dashboard needs no PromQL for it).
import type { Registry } from 'prom-client';
import type { SplitStore } from '../../splits/index.js';
import { edgeKey, splitEdge } from '../../mesh/index.js';
import { emptyTotals } from '../../window/index.js';
import type { EdgeTotals, TrafficWindow } from '../../window/index.js';
import { splitStats } from '../../stats/index.js';
import { BACKEND_LABELS, backendLabels, secondsBound } from './labels.js';
import type { BackendLabels } from './labels.js';
import { snapshotHistogram } from './snapshot-histogram.js';
import { stateCounter, stateGauge } from './state-metrics.js';

export interface TrafficFamiliesOptions {
  readonly store: SplitStore;
  readonly window: TrafficWindow;
  readonly observedWindowMs: number;
}

export function registerTrafficFamilies(registry: Registry, { store, window, observedWindowMs }: TrafficFamiliesOptions): void {
  const plainBounds = window.latencyBucketsMs.map(secondsBound);
  const secondsOf = secondsBoundsCache();
  stateCounter(registry, {
    name: 'trafficsplit_backend_responses_total',
    help: 'Responses served by the backend to requests sent to the apex, by classification (success or failure), since this process started.',
    labelNames: [...BACKEND_LABELS, 'classification'],
    collect(emit) {
      for (const { labels, totals } of backendTotals(store, window)) {
        // Both outcomes always, so that a failure ratio is 0, not "no data", until the first failure.
        emit({ ...labels, classification: 'success' }, totals.success);
        emit({ ...labels, classification: 'failure' }, totals.failure);
      }
    },
  });

  snapshotHistogram<keyof BackendLabels>(registry, {
    name: 'trafficsplit_backend_response_latency_seconds',
    help: 'Latency of the responses served by the backend to requests sent to the apex, since this process started.',
    bounds: plainBounds,
    *series() {
      for (const { labels, totals } of backendTotals(store, window)) {
        // The mesh reports milliseconds; the sum is the proxies' own histogram sum, not an estimate.
        // Each series keeps the bounds of the histogram its proxies keep: an HTTPRoute split's
        // the route histogram's, a backend called by clients of two meshes those both have.
        yield { labels, buckets: totals.latency, sum: totals.latencySumMs / 1000, bounds: secondsOf(totals.bounds) };
      }
    },
  });

  stateGauge(registry, {
    name: 'trafficsplit_backend_observed_ratio',
    help: `Share of the requests sent to the apex that this backend served over the last ${observedWindowMs / 1000}s, 0 to 1 (requests to backends the split no longer lists count in the whole). Absent without traffic.`,
    labelNames: BACKEND_LABELS,
    collect(emit) {
      const stats = splitStats(store.list(), window.totals(observedWindowMs));
      for (const { split, rows } of stats) {
        for (const row of rows) {
          if (row.observedRatio !== null) emit(backendLabels(split, row.leaf), row.observedRatio);
        }
      }
    },
  });
}

/**
 * The lifetime totals of every backend a current split lists. Traffic to leaves no split lists is
 * not exported: the series belong to the split, and vanish with it or with the backend. A backend
 * without traffic yet is exported at zero, so Prometheus sees each counter start from 0 and its
 * increase() counts the first requests too (a series born mid-window loses its first value).
 */
function* backendTotals(store: SplitStore, window: TrafficWindow): Generator<{ labels: BackendLabels; totals: Readonly<EdgeTotals> }> {
  const lifetime = window.lifetimeTotals();
  for (const split of store.list()) {
    for (const backend of split.backends) {
      const edge = splitEdge(split, backend.service);
      const totals = lifetime.get(edgeKey(edge)) ?? emptyTotals(edge, window.boundsOf(edge));
      yield { labels: backendLabels(split, backend.service), totals };
    }
  }
}

/** `le` texts of a layout's bounds (ms), made once per layout: layouts are a few long-lived arrays. */
function secondsBoundsCache(): (boundsMs: readonly number[]) => readonly string[] {
  const cache = new WeakMap<readonly number[], readonly string[]>();
  return (boundsMs) => {
    let texts = cache.get(boundsMs);
    if (texts === undefined) {
      texts = boundsMs.map(secondsBound);
      cache.set(boundsMs, texts);
    }
    return texts;
  };
}
