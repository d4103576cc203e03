// Linkerd viz's own way to get `stat ts` numbers from Prometheus, as its metrics API did it: one
// split after another, and for each the four queries of SPEC §5 at once (its goroutines). The
// answers go through the same processing as splitstat's batched source, so comparing the two
// compares what the queries return: the reference for tests and for bench/query.ts.
import assert from 'node:assert/strict';
import { promqlRange, QUANTILES } from '../../src/promql/index.js';
import type { QuerySelection } from '../../src/promql/index.js';
import { classifyRouteStatus, linkerdGenerationQueries, linkerdRouteSplitQueries, linkerdSplitQueries } from '../../src/mesh/index.js';
import { addCount, emptyAccumulator, latencyMs, splitStatsFromAnswers } from '../../src/stats/index.js';
import type { InstantQuerier, PrometheusStatQuery, SplitStats } from '../../src/stats/index.js';

export interface LinkerdPerSplitOptions {
  /** The evaluation instant, ms since the epoch. */
  readonly timeMs: number;
  /**
   * Also ask each split's quantiles over all its leaves (three more queries per split), which
   * Linkerd never did (it showed no split total); without them totals carry counts only.
   */
  readonly totals?: boolean;
  /**
   * Which per-split queries: Linkerd's own (SPEC §5, right on ≤ 2.12 meshes; the default) or the
   * same made right for every proxy generation (linkerdGenerationQueries), with HTTPRoute splits
   * read from their route's families (linkerdRouteSplitQueries).
   */
  readonly queries?: 'linkerd' | 'generations';
}

export async function linkerdPerSplitStats(client: InstantQuerier, query: PrometheusStatQuery, { timeMs, totals = false, queries: which = 'linkerd' }: LinkerdPerSplitOptions): Promise<SplitStats[]> {
  const selection: QuerySelection = { range: promqlRange(query.window.ms, query.window.text), from: query.from, to: query.to };
  const ask = (promql: string) => client.query(promql, { timeMs, signal: query.signal });
  const windowSeconds = query.window.ms / 1000;
  const out: SplitStats[] = [];
  for (const split of query.splits) {
    if (split.apex === '') {
      out.push(splitStatsFromAnswers(split, undefined, windowSeconds, query.to === undefined));
      continue;
    }
    // An HTTPRoute split (with the generation-aware queries) reads its route's families: the
    // backend is `backend_name`, the outcome its status and error, the histogram in seconds.
    const route = which === 'generations' && split.kind === 'HTTPRoute';
    const queries = route ? linkerdRouteSplitQueries(split, selection) : which === 'linkerd' ? linkerdSplitQueries(split, selection) : linkerdGenerationQueries(split, selection, query.splits);
    const leafOf = (metric: Readonly<Record<string, string>>): string | undefined => (route ? metric['backend_name'] : metric['dst_service']);
    const toMs = route ? 1000 : 1;
    const accumulator = emptyAccumulator();
    const counting = ask(queries.counts).then((samples) => {
      for (const { metric, value } of samples) {
        // Another group's route of the same name, or a consumer route, is not this split's.
        if (route && (metric['route_group'] !== split.route?.group || metric['route_namespace'] !== split.namespace || metric['backend_namespace'] !== split.namespace)) continue;
        addCount(accumulator, { leaf: leafOf(metric), classification: route ? classifyRouteStatus(metric) : metric['classification'] }, value);
      }
    });
    const leafQuantiles = QUANTILES.map((quantile, position) =>
      ask(queries.leafQuantile(quantile)).then((samples) => {
        for (const { metric, value } of samples) {
          const leaf = leafOf(metric);
          if (leaf === undefined) continue;
          const latencies = accumulator.leafLatency.get(leaf) ?? [0, 0, 0];
          latencies[position] = latencyMs(value, toMs);
          accumulator.leafLatency.set(leaf, latencies);
        }
      }),
    );
    const totalQuantiles = totals
      ? QUANTILES.map((quantile, position) =>
          ask(queries.splitQuantile(quantile)).then((samples) => {
            for (const { value } of samples) accumulator.totalLatency[position] = latencyMs(value, toMs);
          }),
        )
      : [];
    await Promise.all([counting, ...leafQuantiles, ...totalQuantiles]);
    out.push(splitStatsFromAnswers(split, accumulator, windowSeconds, query.to === undefined));
  }
  return out;
}

/**
 * Batched equals per-split: every count, rate, share and leaf quantile exactly. A split total's
 * quantiles are taken from the leaves' bucket sums added up, where Prometheus would have added
 * the raw series in another order, so they may differ in the last bits only.
 */
export function assertSameNumbers(batched: readonly SplitStats[], reference: readonly SplitStats[]): void {
  const withoutTotalLatency = (stats: readonly SplitStats[]) =>
    stats.map((entry) => ({ ...entry, total: entry.total === null ? null : { ...entry.total, latencyMsP50: 0, latencyMsP95: 0, latencyMsP99: 0 } }));
  assert.deepEqual(withoutTotalLatency(batched), withoutTotalLatency(reference));
  batched.forEach((entry, index) => {
    const other = reference[index]?.total;
    if (entry.total === null || other === null || other === undefined) return;
    for (const field of ['latencyMsP50', 'latencyMsP95', 'latencyMsP99'] as const) {
      const [a, b] = [entry.total[field], other[field]];
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${entry.split.name} total ${field}: ${a} vs ${b}`);
    }
  });
}
