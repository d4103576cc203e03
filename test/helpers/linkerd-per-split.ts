// Linkerd viz's own way to get `stat ts` numbers from Prometheus, as its metrics API did it: one
// split after another, and for each the four queries of SPEC §5 at once (its goroutines). The
// answers go through the same processing as splitstat's batched source, so comparing the two
// compares what the queries return: the reference for tests and for bench/query.ts.
import assert from 'node:assert/strict';
import { promqlRange, QUANTILES } from '../../src/promql/index.js';
import type { QuerySelection } from '../../src/promql/index.js';
import { linkerdGenerationQueries, linkerdSplitQueries } from '../../src/mesh/index.js';
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
   * same made right for every proxy generation (linkerdGenerationQueries).
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
    const queries = which === 'linkerd' ? linkerdSplitQueries(split, selection) : linkerdGenerationQueries(split, selection);
    const accumulator = emptyAccumulator();
    const counting = ask(queries.counts).then((samples) => {
      for (const { metric, value } of samples) addCount(accumulator, { leaf: metric['dst_service'], classification: metric['classification'] }, value);
    });
    const leafQuantiles = QUANTILES.map((quantile, position) =>
      ask(queries.leafQuantile(quantile)).then((samples) => {
        for (const { metric, value } of samples) {
          const leaf = metric['dst_service'];
          if (leaf === undefined) continue;
          const latencies = accumulator.leafLatency.get(leaf) ?? [0, 0, 0];
          latencies[position] = latencyMs(value, 1);
          accumulator.leafLatency.set(leaf, latencies);
        }
      }),
    );
    const totalQuantiles = totals
      ? QUANTILES.map((quantile, position) =>
          ask(queries.splitQuantile(quantile)).then((samples) => {
            for (const { value } of samples) accumulator.totalLatency[position] = latencyMs(value, 1);
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
