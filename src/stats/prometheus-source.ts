// StatSource over an existing Prometheus (linkerd-viz's, or Thanos, Mimir, VictoriaMetrics):
// splitstat keeps nothing itself and asks PromQL, with Linkerd viz's semantics (SPEC §5, see
// prometheus-answers.ts). Unlike Linkerd's four queries per split, splits are batched: two
// queries (counts, latency bucket rates) per batch of up to a few hundred splits, all evaluated
// at one instant so they describe the same moment; the quantiles are taken from the bucket rates
// with Prometheus' own algorithm.
import type { TrafficSplit } from '../splits/index.js';
import type { PrometheusClient, QuerySchema, QuerySelection, SampleKey } from '../promql/index.js';
import { promqlRange, QUANTILE_VALUES, splitstatQuerySchema } from '../promql/index.js';
import { PROMQL_MESH_NAMES, promqlMeshNamed } from '../mesh/index.js';
import type { ClusterPattern, PromqlMeshName } from '../mesh/index.js';
import { SplitLatencyBuckets } from './latency-buckets.js';
import { addCount, emptyAccumulator, latencyMs, splitStatsFromAnswers } from './prometheus-answers.js';
import type { SplitAccumulator } from './prometheus-answers.js';
import type { SplitStats, StatQuery, StatSource } from './stat-source.js';

/** A mesh's own series (what Linkerd viz queried), or splitstat's exported ones (sharded collectors). */
export type PrometheusSchemaName = PromqlMeshName | 'splitstat';

export const PROMETHEUS_SCHEMA_NAMES: [PrometheusSchemaName, ...PrometheusSchemaName[]] = [...PROMQL_MESH_NAMES, 'splitstat'];

/** What PrometheusStatSource needs of a client (PrometheusClient, or a test double). */
export type InstantQuerier = Pick<PrometheusClient, 'query'>;

export interface PrometheusStatSourceOptions {
  readonly client: InstantQuerier;
  /** Which series to read (default linkerd), or a schema of one's own. */
  readonly schema?: PrometheusSchemaName | QuerySchema;
  /**
   * The schema for HTTPRoute splits when `schema` is one of one's own (a named mesh brings its
   * route schema; the splitstat schema reads both kinds). Without one, HTTPRoute splits go to `schema`.
   */
  readonly routeSchema?: QuerySchema | undefined;
  /** How another Envoy-based mesh names its clusters: what the envoy schema reads. */
  readonly envoyClusterPattern?: ClusterPattern | undefined;
  /** Queries in flight at once. */
  readonly concurrency?: number;
  /** The evaluation instant of a stats() call, ms since the epoch. */
  readonly now?: () => number;
}

/** A StatQuery plus what only PromQL can use. */
export interface PrometheusStatQuery extends StatQuery {
  /** `--to`: only requests served by this destination; other leaves get no stats. */
  readonly to?: QuerySelection['to'];
  readonly signal?: AbortSignal | undefined;
}

/** What a split's answers hold while they arrive. */
interface SplitAnswers {
  readonly accumulator: SplitAccumulator;
  readonly buckets: SplitLatencyBuckets;
  /** The histogram's unit in ms, as the schema that asked says. */
  readonly toMs: number;
}

type SampleReader = (answers: SplitAnswers, key: SampleKey, value: number, metric: Readonly<Record<string, string>>) => void;

export class PrometheusStatSource implements StatSource {
  readonly #client: InstantQuerier;
  readonly #schema: QuerySchema;
  readonly #routeSchema: QuerySchema | undefined;
  readonly #concurrency: number;
  readonly #now: () => number;

  constructor({ client, schema = 'linkerd', routeSchema, envoyClusterPattern, concurrency = 8, now = Date.now }: PrometheusStatSourceOptions) {
    this.#client = client;
    this.#schema = typeof schema !== 'string' ? schema : schema === 'splitstat' ? splitstatQuerySchema() : promqlMeshNamed(schema).querySchema({ envoyClusterPattern });
    this.#routeSchema = typeof schema !== 'string' || schema === 'splitstat' ? routeSchema : promqlMeshNamed(schema).routeQuerySchema?.();
    this.#concurrency = Math.max(1, concurrency);
    this.#now = now;
  }

  get schemaName(): string {
    return this.#schema.name;
  }

  latestMs(): number {
    return this.#now();
  }

  /** Rejects with PrometheusError (server down, slow, an error answer, a partial answer). */
  async stats(query: PrometheusStatQuery): Promise<SplitStats[]> {
    const selection: QuerySelection = { range: promqlRange(query.window.ms, query.window.text), from: query.from, to: query.to };
    // A split without an apex has nothing to match; it is shown without numbers.
    const asked = query.splits.filter((split) => split.apex !== '');
    const byRoute = (split: TrafficSplit): boolean => split.kind === 'HTTPRoute' && this.#routeSchema !== undefined;
    const schemas: [QuerySchema, TrafficSplit[]][] = [
      [this.#schema, asked.filter((split) => !byRoute(split))],
      ...(this.#routeSchema === undefined ? [] : [[this.#routeSchema, asked.filter(byRoute)] as [QuerySchema, TrafficSplit[]]]),
    ];
    const answers = new Map<TrafficSplit, SplitAnswers>();
    for (const [schema, splits] of schemas) {
      for (const split of splits) answers.set(split, { accumulator: emptyAccumulator(), buckets: new SplitLatencyBuckets(), toMs: schema.latencyToMs });
    }
    const timeMs = query.atMs ?? this.#now();
    const ask = (schema: QuerySchema, promql: string, batch: readonly TrafficSplit[], read: SampleReader) => async () => {
      const samples = await this.#client.query(promql, { timeMs, signal: query.signal });
      for (const sample of samples) {
        const key = schema.keyOf(sample.metric, batch, selection);
        for (const index of key.splits) {
          const split = batch[index];
          const entry = split === undefined ? undefined : answers.get(split);
          if (entry !== undefined) read(entry, key, sample.value, sample.metric);
        }
      }
    };
    const tasks: (() => Promise<void>)[] = [];
    for (const [schema, splits] of schemas) {
      if (splits.length === 0) continue;
      const probed = schema.probe === undefined ? undefined : (await this.#client.query(schema.probe, { timeMs, signal: query.signal })).reduce((sum, sample) => sum + sample.value, 0);
      for (const batch of schema.batches(splits, probed)) {
        const queries = schema.queries(batch, selection, probed);
        tasks.push(
          ask(schema, queries.counts, batch, ({ accumulator }, key, value) => addCount(accumulator, key, value)),
          ask(schema, queries.buckets, batch, ({ buckets }, { leaf }, value, metric) => buckets.add(leaf, metric['le'], value)),
        );
      }
    }
    await runLimited(tasks, this.#concurrency);
    for (const { accumulator, buckets, toMs } of answers.values()) {
      for (const leaf of accumulator.leaves.keys()) {
        accumulator.leafLatency.set(
          leaf,
          buckets.leafQuantiles(leaf, QUANTILE_VALUES).map((value) => latencyMs(value, toMs)),
        );
      }
      buckets.totalQuantiles(QUANTILE_VALUES).forEach((value, position) => {
        accumulator.totalLatency[position] = latencyMs(value, toMs);
      });
    }
    const windowSeconds = query.window.ms / 1000;
    // With --to the answers hold only the chosen destination's requests, so no share of the
    // apex's requests can be computed from them.
    const shares = query.to === undefined;
    return query.splits.map((split) => splitStatsFromAnswers(split, answers.get(split)?.accumulator, windowSeconds, shares));
  }
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
