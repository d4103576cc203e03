// The same stats from splitstat's own exported series (trafficsplit_backend_*), for API replicas
// over sharded collectors: Prometheus sums the shards' counters and buckets, so the answer is
// the cluster's. These series are labelled by split (namespace, trafficsplit) and backend, so
// no authority regex is needed; a batch selects its namespaces and names with two alternations
// and the few combinations that are not its splits are dropped when the answer is read.
//
// Two differences from the linkerd schema, both because of what the series carry: no client
// labels (so no `--from`), and only the backends a split lists are exported, so a split's total
// (and the observed share's denominator) covers the listed backends only.
import { splitKindLabel } from '../splits/index.js';
import type { TrafficSplit } from '../splits/index.js';
import { escapeRegexLiteral, labelList, labelMatcher } from './promql-text.js';
import type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from './schema.js';
import { batchByLength, QuerySelectionError } from './schema.js';

const RESPONSES = 'trafficsplit_backend_responses_total';
const LATENCY_BUCKETS = 'trafficsplit_backend_response_latency_seconds_bucket';
const DEFAULT_REGEX_BUDGET = 4000;

export function splitstatBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection): BatchQueries {
  if (selection.from !== undefined) {
    throw new QuerySelectionError("--from needs the linkerd schema: splitstat's exported series carry no client labels");
  }
  const matchers = [oneOf('namespace', batch.map((split) => split.namespace)), oneOf('trafficsplit', batch.map((split) => split.name))];
  const to = selection.to;
  if (to !== undefined) {
    if (to.service !== null) matchers.push(labelMatcher('backend', '=', to.service));
    // A split's backends live in its namespace, which is the series' namespace label.
    if (to.namespace !== null) matchers.push(labelMatcher('namespace', '=', to.namespace));
  }
  const labels = labelList(matchers);
  const w = selection.range;
  return {
    counts: `sum(increase(${RESPONSES}${labels}[${w}])) by (namespace, trafficsplit, kind, backend, classification)`,
    buckets: `sum(rate(${LATENCY_BUCKETS}${labels}[${w}])) by (le, namespace, trafficsplit, kind, backend)`,
  };
}

/** `label="value"` for one value, else an anchored alternation (Prometheus anchors =~). */
function oneOf(label: string, values: readonly string[]): string {
  const distinct = [...new Set(values)];
  if (distinct.length === 1) return labelMatcher(label, '=', distinct[0] as string);
  return labelMatcher(label, '=~', distinct.map(escapeRegexLiteral).join('|'));
}

export function splitstatQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET }: { readonly regexBudget?: number } = {}): QuerySchema {
  const lookups = new WeakMap<readonly TrafficSplit[], Map<string, number>>();
  return {
    name: 'splitstat',
    latencyToMs: 1000,
    batches: (splits) => batchByLength(splits, (split) => split.namespace.length + split.name.length + 2, regexBudget),
    queries: splitstatBatchQueries,
    keyOf: (metric, batch): SampleKey => {
      let lookup = lookups.get(batch);
      if (lookup === undefined) {
        lookup = new Map(batch.map((split, index) => [`${split.namespace}/${split.name}/${splitKindLabel(split)}`, index]));
        lookups.set(batch, lookup);
      }
      // Series exported before splits had kinds carry no `kind`: they are TrafficSplits'.
      const index = lookup.get(`${metric['namespace'] ?? ''}/${metric['trafficsplit'] ?? ''}/${metric['kind'] ?? 'TrafficSplit'}`);
      return { splits: index === undefined ? [] : [index], leaf: metric['backend'], classification: metric['classification'] };
    },
  };
}
