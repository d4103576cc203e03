// Linkerd viz's PromQL for `stat ts` (SPEC-stat-ts.md §5), over the proxies' own series
// (response_total, response_latency_ms), in two forms:
// - per split: Linkerd's four queries, character for character (the reference the batched form
//   is tested and measured against);
// - batched: the same numbers for many splits with two queries. The authority regexes of a batch
//   become one alternation, and label_replace copies the part that matched into a
//   `splitstat_split` label, so Prometheus sums each split's series exactly as the per-split
//   query did (across authorities and ports, in the same order) before anything is rounded or a
//   quantile is taken; grouping by the raw authority instead would round and interpolate per
//   port. The bucket sums come back as they are and the quantiles are taken from them here.
import type { TrafficSplit } from '../../splits/index.js';
import type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from '../../promql/index.js';
import { batchByLength, escapeRegexLiteral, goQuote, labelList, labelMatcher } from '../../promql/index.js';

/** The label label_replace writes: which split of the batch a series belongs to. */
export const SPLIT_LABEL = 'splitstat_split';

/** Regex characters per batch; keeps a query well under common 8 KiB request limits. */
const DEFAULT_REGEX_BUDGET = 4000;

/** Prometheus' label for a `--from` kind, as linkerd-viz's scrape config names them. */
const FROM_KIND_LABELS: Readonly<Record<string, string>> = {
  namespace: 'namespace',
  deployment: 'deployment',
  daemonset: 'daemonset',
  statefulset: 'statefulset',
  replicaset: 'replicaset',
  replicationcontroller: 'replicationcontroller',
  job: 'k8s_job',
  cronjob: 'cronjob',
  pod: 'pod',
};

/**
 * `<apex>.<namespace>` as Linkerd wrote it into `^<apex>.<namespace>.svc.*`: the dots are regex
 * wildcards, as they were in Linkerd (kept so the numbers match; names cannot contain dots).
 */
function splitPattern(split: TrafficSplit): string {
  return `${escapeRegexLiteral(split.apex)}.${escapeRegexLiteral(split.namespace)}`;
}

/** The labels every query shares, without the authority: direction plus --from/--to. */
export function selectionMatchers(selection: QuerySelection): string[] {
  const matchers = [labelMatcher('direction', '=', 'outbound')];
  const from = selection.from;
  if (from !== undefined) {
    if (from.kind !== undefined && from.kind !== 'namespace' && from.name !== undefined) {
      matchers.push(labelMatcher(FROM_KIND_LABELS[from.kind] ?? from.kind, '=', from.name));
    }
    if (from.namespace !== undefined) matchers.push(labelMatcher('namespace', '=', from.namespace));
  }
  const to = selection.to;
  if (to !== undefined) {
    if (to.service !== null) matchers.push(labelMatcher('dst_service', '=', to.service));
    if (to.namespace !== null) matchers.push(labelMatcher('dst_namespace', '=', to.namespace));
  }
  return matchers;
}

/** Linkerd's queries for one split, as histogram_quantile answers them. */
export interface LinkerdSplitQueries {
  readonly counts: string;
  /** Latency quantile per leaf (dst_namespace, dst_service). */
  readonly leafQuantile: (quantile: string) => string;
  /** The same over every leaf: not one of Linkerd's queries (it showed no split total). */
  readonly splitQuantile: (quantile: string) => string;
}

/** Linkerd's four queries for one split (plus one without dst_* grouping for the split total). */
export function linkerdSplitQueries(split: TrafficSplit, selection: QuerySelection): LinkerdSplitQueries {
  const labels = labelList([...selectionMatchers(selection), `authority=~${goQuote(`^${splitPattern(split)}.svc.*`)}`]);
  const w = selection.range;
  const buckets = `sum(irate(response_latency_ms_bucket${labels}[${w}]))`;
  return {
    counts: `sum(increase(response_total${labels}[${w}])) by (dst_namespace, dst_service, classification, tls)`,
    leafQuantile: (q) => `histogram_quantile(${q}, ${buckets} by (le, dst_namespace, dst_service))`,
    splitQuantile: (q) => `histogram_quantile(${q}, ${buckets} by (le))`,
  };
}

/** The same numbers for a batch of splits. */
export function linkerdBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection): BatchQueries {
  // Two splits of the same apex share one alternative (and both get its series, as per split).
  const regex = `^(${[...new Set(batch.map(splitPattern))].join('|')}).svc.*`;
  const labels = labelList([...selectionMatchers(selection), `authority=~${goQuote(regex)}`]);
  const w = selection.range;
  const tag = (inner: string): string => `label_replace(${inner}, "${SPLIT_LABEL}", "$1", "authority", ${goQuote(regex)})`;
  return {
    counts: `sum(${tag(`increase(response_total${labels}[${w}])`)}) by (${SPLIT_LABEL}, dst_namespace, dst_service, classification, tls)`,
    buckets: `sum(${tag(`irate(response_latency_ms_bucket${labels}[${w}])`)}) by (le, ${SPLIT_LABEL}, dst_namespace, dst_service)`,
  };
}

export interface LinkerdSchemaOptions {
  readonly regexBudget?: number;
}

export function linkerdQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET }: LinkerdSchemaOptions = {}): QuerySchema {
  const lookups = new WeakMap<readonly TrafficSplit[], BatchLookup>();
  return {
    name: 'linkerd',
    latencyToMs: 1,
    batches: (splits) => {
      // A split whose pattern also matches another split's authorities is asked on its own:
      // within one alternation a series is credited to the first matching split only.
      const isolated = overlappingSplits(splits);
      const shared = splits.filter((split) => !isolated.has(split));
      return [...batchByLength(shared, (split) => splitPattern(split).length, regexBudget), ...[...isolated].map((split) => [split])];
    },
    queries: linkerdBatchQueries,
    keyOf: (metric, splits): SampleKey => {
      const leaf = metric['dst_service'];
      const classification = metric['classification'];
      let lookup = lookups.get(splits);
      if (lookup === undefined) {
        lookup = new BatchLookup(splits);
        lookups.set(splits, lookup);
      }
      return { splits: lookup.find(metric[SPLIT_LABEL]), leaf, classification };
    },
  };
}

/**
 * Splits whose Linkerd pattern matches a different split's authority. Linkerd's dots are
 * wildcards, so `^a.b.svc.*` (apex a, namespace b) also matches `a-b-svc.foo.svc.cluster.local`,
 * and Linkerd's per-split queries counted those requests for both splits. Only an apex that is
 * a prefix of another's (or equal to it) can do this, so candidates are found in sorted order
 * and tested against the other split's authority in the default cluster domain.
 */
export function overlappingSplits(splits: readonly TrafficSplit[]): Set<TrafficSplit> {
  const sorted = [...splits].sort((a, b) => (a.apex < b.apex ? -1 : a.apex > b.apex ? 1 : 0));
  const involved = new Set<TrafficSplit>();
  sorted.forEach((split, index) => {
    const pattern = splitPattern(split);
    const regex = new RegExp(`^(?:${pattern}).svc`, 'u');
    // Splits of the same apex sort next to each other, before or after this one.
    let first = index;
    while (first > 0 && sorted[first - 1]?.apex === split.apex) first--;
    for (let other = first; other < sorted.length; other++) {
      const candidate = sorted[other] as TrafficSplit;
      if (!candidate.apex.startsWith(split.apex)) break;
      if (splitPattern(candidate) === pattern) continue;
      if (regex.test(`${candidate.apex}.${candidate.namespace}.svc.cluster.local`)) {
        involved.add(split);
        involved.add(candidate);
      }
    }
  });
  return involved;
}

/**
 * From the text the alternation matched back to the splits. RE2 takes the first alternative that
 * matches, so the first pattern (in batch order) that matches the text is the one; every split
 * with that pattern (same apex and namespace) gets the sample, as each per-split query would.
 * Names have no dots, so a text containing one is `<apex>.<namespace>` literally (a map lookup);
 * anything else matched through a wildcard dot and is tested pattern by pattern.
 */
class BatchLookup {
  /** Pattern → the batch indexes of the splits that have it, in first-seen order. */
  readonly #byPattern = new Map<string, number[]>();
  readonly #compiled: { readonly regex: RegExp; readonly splits: readonly number[] }[] = [];
  readonly #exact = new Map<string, readonly number[]>();

  constructor(splits: readonly TrafficSplit[]) {
    splits.forEach((split, index) => {
      const pattern = splitPattern(split);
      const same = this.#byPattern.get(pattern);
      if (same !== undefined) {
        same.push(index);
        return;
      }
      const indexes = [index];
      this.#byPattern.set(pattern, indexes);
      this.#compiled.push({ regex: new RegExp(`^(?:${pattern})$`, 'u'), splits: indexes });
      this.#exact.set(`${split.apex}.${split.namespace}`, indexes);
    });
  }

  find(text: string | undefined): readonly number[] {
    if (text === undefined || text === '') return [];
    const exact = this.#exact.get(text);
    if (exact !== undefined) return exact;
    return this.#compiled.find(({ regex }) => regex.test(text))?.splits ?? [];
  }
}
