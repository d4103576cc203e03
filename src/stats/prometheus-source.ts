// StatSource over an existing Prometheus (linkerd-viz's, or Thanos, Mimir, VictoriaMetrics):
// splitstat keeps nothing itself and asks PromQL, with Linkerd viz's semantics (SPEC §5):
// each returned count is rounded on its own (half away from zero, NaN → 0) and summed by
// classification, latencies are Prometheus' histogram_quantile (NaN → 0), a backend without
// series has no stats. Unlike Linkerd's four queries per split, splits are batched: seven
// queries (counts, three leaf quantiles, three split quantiles) per batch of up to a few hundred
// splits, all evaluated at one instant so they describe the same moment.
import { linkerdQuerySchema } from '../mesh/linkerd/promql.js';
import type { PrometheusClient } from '../promql/client.js';
import { promqlRange, roundSample } from '../promql/promql-text.js';
import { QUANTILES } from '../promql/schema.js';
import type { QuerySchema, QuerySelection, SampleKey } from '../promql/schema.js';
import { splitstatQuerySchema } from '../promql/splitstat-schema.js';
import type { TrafficSplit } from '../splits/model.js';
import { statRow } from './stat-row.js';
import type { BackendStats, StatRow } from './stat-row.js';
import type { SplitStats, StatQuery, StatSource } from './stat-source.js';

export type PrometheusSchemaName = 'linkerd' | 'splitstat';

/** What PrometheusStatSource needs of a client (PrometheusClient, or a test double). */
export type InstantQuerier = Pick<PrometheusClient, 'query'>;

export interface PrometheusStatSourceOptions {
  readonly client: InstantQuerier;
  /** Which series to read (default linkerd), or a schema of one's own. */
  readonly schema?: PrometheusSchemaName | QuerySchema;
  /** linkerd only: false sends Linkerd's own per-split queries (7 per split) instead of batches. */
  readonly batch?: boolean;
  /** Queries in flight at once. */
  readonly concurrency?: number;
  /** The evaluation instant of a stats() call, ms since the epoch. */
  readonly now?: () => number;
}

/** A StatQuery plus what only PromQL can use. */
export interface PrometheusStatQuery extends StatQuery {
  /** The window as the user typed it (`-t`), passed to PromQL verbatim when Prometheus can read it. */
  readonly windowText?: string | undefined;
  /** `--to`: only requests served by this destination; other leaves get no stats. */
  readonly to?: QuerySelection['to'];
  readonly signal?: AbortSignal | undefined;
}

interface Counts {
  success: number;
  failure: number;
}

/** Everything the answers said about one split. */
interface SplitAccumulator {
  readonly leaves: Map<string, Counts>;
  readonly total: Counts;
  /** Per leaf: p50, p95, p99 in ms. */
  readonly leafLatency: Map<string, number[]>;
  readonly totalLatency: number[];
}

export class PrometheusStatSource implements StatSource {
  readonly #client: InstantQuerier;
  readonly #schema: QuerySchema;
  readonly #concurrency: number;
  readonly #now: () => number;

  constructor({ client, schema = 'linkerd', batch = true, concurrency = 8, now = Date.now }: PrometheusStatSourceOptions) {
    this.#client = client;
    this.#schema = typeof schema !== 'string' ? schema : schema === 'linkerd' ? linkerdQuerySchema({ batch }) : splitstatQuerySchema();
    this.#concurrency = Math.max(1, concurrency);
    this.#now = now;
  }

  get schemaName(): PrometheusSchemaName {
    return this.#schema.name;
  }

  /** Rejects with PrometheusError (server down, slow, an error answer, a partial answer). */
  async stats(query: PrometheusStatQuery): Promise<SplitStats[]> {
    const selection: QuerySelection = { range: promqlRange(query.windowMs, query.windowText), from: query.from, to: query.to };
    // A split without an apex has nothing to match; it is shown without numbers.
    const asked = query.splits.filter((split) => split.apex !== '');
    const accumulators = new Map<TrafficSplit, SplitAccumulator>(asked.map((split) => [split, emptyAccumulator()]));
    const timeMs = this.#now();
    const ask = (promql: string, batch: readonly TrafficSplit[], read: (accumulator: SplitAccumulator, key: SampleKey, value: number) => void) => async () => {
      const samples = await this.#client.query(promql, { timeMs, signal: query.signal });
      for (const sample of samples) {
        const key = this.#schema.keyOf(sample.metric, batch);
        for (const index of key.splits) {
          const split = batch[index];
          const accumulator = split === undefined ? undefined : accumulators.get(split);
          if (accumulator !== undefined) read(accumulator, key, sample.value);
        }
      }
    };
    const tasks: (() => Promise<void>)[] = [];
    for (const batch of this.#schema.batches(asked)) {
      const queries = this.#schema.queries(batch, selection);
      tasks.push(ask(queries.counts, batch, addCount));
      QUANTILES.forEach((quantile, position) => {
        tasks.push(
          ask(queries.leafQuantile(quantile), batch, (accumulator, { leaf }, value) => {
            if (leaf === undefined) return;
            let latencies = accumulator.leafLatency.get(leaf);
            if (latencies === undefined) {
              latencies = [0, 0, 0];
              accumulator.leafLatency.set(leaf, latencies);
            }
            latencies[position] = this.#latencyMs(value);
          }),
          ask(queries.splitQuantile(quantile), batch, (accumulator, _key, value) => {
            accumulator.totalLatency[position] = this.#latencyMs(value);
          }),
        );
      });
    }
    await runLimited(tasks, this.#concurrency);
    const windowSeconds = query.windowMs / 1000;
    // With --to the answers hold only the chosen destination's requests, so no share of the
    // apex's requests can be computed from them.
    const shares = query.to === undefined;
    return query.splits.map((split) => splitStats(split, accumulators.get(split), windowSeconds, shares));
  }

  /** Linkerd turned NaN (no observations in the last scrape interval) into 0. */
  #latencyMs(value: number): number {
    return Number.isFinite(value) ? value * this.#schema.latencyToMs : 0;
  }
}

/** Linkerd's processing of the counts: each series rounded on its own, summed by classification. */
function addCount(accumulator: SplitAccumulator, { leaf, classification }: SampleKey, value: number): void {
  const outcome = classification === 'success' ? 'success' : classification === 'failure' ? 'failure' : undefined;
  if (outcome === undefined) return;
  const count = roundSample(value);
  accumulator.total[outcome] += count;
  if (leaf === undefined) return;
  let counts = accumulator.leaves.get(leaf);
  if (counts === undefined) {
    counts = { success: 0, failure: 0 };
    accumulator.leaves.set(leaf, counts);
  }
  counts[outcome] += count;
}

function emptyAccumulator(): SplitAccumulator {
  return { leaves: new Map(), total: { success: 0, failure: 0 }, leafLatency: new Map(), totalLatency: [0, 0, 0] };
}

function splitStats(split: TrafficSplit, accumulator: SplitAccumulator | undefined, windowSeconds: number, shares: boolean): SplitStats {
  const total = accumulator === undefined ? null : backendStats(accumulator.total, accumulator.totalLatency, windowSeconds);
  const apexRequests = total === null || !shares ? 0 : total.successCount + total.failureCount;
  const rows = split.backends.map((backend): StatRow => {
    const counts = accumulator?.leaves.get(backend.service);
    const stats = counts === undefined ? null : backendStats(counts, accumulator?.leafLatency.get(backend.service) ?? [0, 0, 0], windowSeconds);
    return statRow(split, backend, stats, apexRequests);
  });
  return { split, total, rows };
}

/** No requests means no stats (`-`), never zeros. */
function backendStats(counts: Counts, latencies: readonly number[], windowSeconds: number): BackendStats | null {
  const requests = counts.success + counts.failure;
  if (requests <= 0 || windowSeconds <= 0) return null;
  return {
    successCount: counts.success,
    failureCount: counts.failure,
    successRate: counts.success / requests,
    rps: requests / windowSeconds,
    latencyMsP50: latencies[0] ?? 0,
    latencyMsP95: latencies[1] ?? 0,
    latencyMsP99: latencies[2] ?? 0,
    windowSeconds,
  };
}

/** Runs the tasks with at most `limit` in flight; the first failure rejects (the rest are not started). */
async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
