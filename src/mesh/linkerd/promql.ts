// Linkerd viz's PromQL for `stat ts` (SPEC-stat-ts.md §5), over the proxies' own series
// (response_total, response_latency_ms), made right for every proxy generation:
// - Up to 2.12 a split's requests carry the apex in `authority`: Linkerd's query.
// - From 2.13 they carry the leaf's own address (README: Which Linkerd): they are the series
//   whose authority is one of the split's leaves, from pods whose proxy kept a balancer from the
//   apex to that leaf within the window (`outbound_http_balancer_endpoints`, parent → backend;
//   `last_over_time`, so a pod gone by the evaluation instant still counts). The same pods'
//   apex-authority series are left out of the first part, so nothing is counted twice; a pod is
//   read as 2.13+ when it reported any balancer gauge within the window (Prometheus keeps no
//   HELP lines). Requests to a backend that another split of the same apex lists count in the
//   apex's total, as they do for 2.12 (Linkerd's query selects the whole apex).
// In three forms:
// - Linkerd's four queries for one split, character for character (linkerdSplitQueries: the
//   contract of SPEC §5, right on ≤ 2.12 meshes);
// - the same per split for every generation (linkerdGenerationQueries: the reference the batched
//   form is tested and measured against);
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

/** Regex characters per batch (Linkerd's form, no 2.13+ proxy in the mesh). */
const DEFAULT_REGEX_BUDGET = 4000;
/**
 * Split-specific characters per batch query with 2.13+ parts. Queries are POSTed, so this bounds
 * the request body (about 24 KiB) rather than a URL; a few dozen splits fit in one batch.
 */
const DEFAULT_QUERY_BUDGET = 24000;

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

/**
 * Pods whose proxy is 2.13 or later: they kept balancer gauges at some point of the window (a
 * pod gone by the evaluation instant still counted requests inside it).
 */
function leafNamingPods(range: string): string {
  return `group by (namespace, pod) (last_over_time(outbound_http_balancer_endpoints[${range}]))`;
}

/** A 2.12 range expression: only from pods that are not 2.13+ (whose apex-authority series are leaf traffic). */
function apexPart(expression: string, range: string): string {
  return `(${expression} unless on (namespace, pod) ${leafNamingPods(range)})`;
}

/** The leaves of splits of one apex, as one `authority` regex (Linkerd's wildcard dots kept). */
function leafAuthority(apex: string, namespace: string, leaves: readonly string[]): string {
  return `^(${[...new Set(leaves)].map(escapeRegexLiteral).join('|')}).${escapeRegexLiteral(namespace)}.svc.*`;
}

/**
 * A 2.13+ range expression for one apex: series of its leaves, kept only on pods whose proxy
 * has a balancer from that apex to that leaf (the balancer's backend renamed to dst_*).
 */
function leafPart(metric: string, selection: QuerySelection, apex: string, namespace: string, leaves: readonly string[], fn: string): string {
  const labels = labelList([...selectionMatchers(selection), `authority=~${goQuote(leafAuthority(apex, namespace, leaves))}`]);
  const balancer = `outbound_http_balancer_endpoints${labelList([
    labelMatcher('backend_kind', '=', 'Service'),
    labelMatcher('backend_namespace', '=', namespace),
    labelMatcher('parent_kind', '=', 'Service'),
    labelMatcher('parent_name', '=', apex),
    labelMatcher('parent_namespace', '=', namespace),
  ])}`;
  const renamed = `label_replace(label_replace(last_over_time(${balancer}[${selection.range}]), "dst_service", "$1", "backend_name", "(.*)"), "dst_namespace", "$1", "backend_namespace", "(.*)")`;
  const calledThroughApex = `group by (namespace, pod, dst_namespace, dst_service) (${renamed})`;
  return `(${fn}(${metric}${labels}[${selection.range}]) and on (namespace, pod, dst_namespace, dst_service) ${calledThroughApex})`;
}

/**
 * Linkerd's queries for one split, right for every proxy generation (the batched form's
 * reference). `asked`: the splits asked about together; the 2.13+ part covers the backends of
 * every one of them with this split's apex, as the batched form does.
 */
export function linkerdGenerationQueries(split: TrafficSplit, selection: QuerySelection, asked: readonly TrafficSplit[] = [split]): LinkerdSplitQueries {
  const labels = labelList([...selectionMatchers(selection), `authority=~${goQuote(`^${splitPattern(split)}.svc.*`)}`]);
  const w = selection.range;
  const siblings = [split, ...asked.filter((other) => other.apex === split.apex && other.namespace === split.namespace)];
  const leaves = siblings.flatMap((sibling) => sibling.backends.map((backend) => backend.service));
  const both = (metric: string, fn: string): string => {
    const apex = apexPart(`${fn}(${metric}${labels}[${w}])`, w);
    return leaves.length === 0 ? apex : `${apex} or ${leafPart(metric, selection, split.apex, split.namespace, leaves, fn)}`;
  };
  const buckets = `sum(${both('response_latency_ms_bucket', 'irate')})`;
  return {
    counts: `sum(${both('response_total', 'increase')}) by (dst_namespace, dst_service, classification, tls)`,
    leafQuantile: (q) => `histogram_quantile(${q}, ${buckets} by (le, dst_namespace, dst_service))`,
    splitQuantile: (q) => `histogram_quantile(${q}, ${buckets} by (le))`,
  };
}

/**
 * The same numbers for a batch of splits. Without 2.13+ proxies in the mesh (`leafNaming` false:
 * no pod reports a balancer gauge) the 2.13+ parts and the exclusion can match nothing, and the
 * queries are Linkerd's batched, at Linkerd's cost.
 */
export function linkerdBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection, leafNaming = true): BatchQueries {
  // Two splits of the same apex share one alternative (and both get its series, as per split).
  const regex = `^(${[...new Set(batch.map(splitPattern))].join('|')}).svc.*`;
  const labels = labelList([...selectionMatchers(selection), `authority=~${goQuote(regex)}`]);
  const w = selection.range;
  const tag = (inner: string): string => `label_replace(${inner}, "${SPLIT_LABEL}", "$1", "authority", ${goQuote(regex)})`;
  if (!leafNaming) {
    return {
      counts: `sum(${tag(`increase(response_total${labels}[${w}])`)}) by (${SPLIT_LABEL}, dst_namespace, dst_service, classification, tls)`,
      buckets: `sum(${tag(`irate(response_latency_ms_bucket${labels}[${w}])`)}) by (le, ${SPLIT_LABEL}, dst_namespace, dst_service)`,
    };
  }
  // 2.13+: one part per apex, over the leaves of every split of it in the batch, tagged with the
  // text the apex part's regex captures for it (`<apex>.<namespace>`).
  const apexes = new Map<string, { apex: string; namespace: string; leaves: string[] }>();
  for (const split of batch) {
    const key = `${split.apex}.${split.namespace}`;
    const entry = apexes.get(key) ?? { apex: split.apex, namespace: split.namespace, leaves: [] };
    entry.leaves.push(...split.backends.map((backend) => backend.service));
    apexes.set(key, entry);
  }
  const leafParts = (metric: string, fn: string): string =>
    [...apexes]
      .filter(([, { leaves }]) => leaves.length > 0)
      // label_replace expands `$` in its replacement (Go's regexp Expand); `$$` is a literal one.
      .map(([key, { apex, namespace, leaves }]) => ` or label_replace(${leafPart(metric, selection, apex, namespace, leaves, fn)}, "${SPLIT_LABEL}", ${goQuote(key.replaceAll('$', '$$$$'))}, "", "")`)
      .join('');
  return {
    counts: `sum(${tag(apexPart(`increase(response_total${labels}[${w}])`, w))}${leafParts('response_total', 'increase')}) by (${SPLIT_LABEL}, dst_namespace, dst_service, classification, tls)`,
    buckets: `sum(${tag(apexPart(`irate(response_latency_ms_bucket${labels}[${w}])`, w))}${leafParts('response_latency_ms_bucket', 'irate')}) by (le, ${SPLIT_LABEL}, dst_namespace, dst_service)`,
  };
}

/** What one split adds to a batch's queries, in characters: its apex alternative and its 2.13+ part. */
function batchCost(split: TrafficSplit): number {
  const leaves = split.backends.reduce((sum, backend) => sum + backend.service.length + 1, 0);
  // The 2.13+ part repeats per query a fixed text of about 450 characters around the leaf regex.
  return splitPattern(split).length + (leaves === 0 ? 0 : 450 + leaves + split.apex.length * 2 + split.namespace.length * 3);
}

export interface LinkerdSchemaOptions {
  readonly regexBudget?: number;
  readonly queryBudget?: number;
}

export function linkerdQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET, queryBudget = DEFAULT_QUERY_BUDGET }: LinkerdSchemaOptions = {}): QuerySchema {
  const lookups = new WeakMap<readonly TrafficSplit[], BatchLookup>();
  return {
    name: 'linkerd',
    latencyToMs: 1,
    batches: (splits, probed) => {
      // A split whose pattern also matches another split's authorities is asked on its own:
      // within one alternation a series is credited to the first matching split only.
      const isolated = overlappingSplits(splits);
      const shared = splits.filter((split) => !isolated.has(split));
      if (probed === 0) return [...batchByLength(shared, (split) => splitPattern(split).length, regexBudget), ...[...isolated].map((split) => [split])];
      // The 2.13+ part of an apex covers the backends of all its splits in the batch: splits of
      // one apex stay in one batch, so a split's numbers never depend on where batches are cut.
      const byApex = new Map<string, TrafficSplit[]>();
      for (const split of shared) byApex.set(splitPattern(split), [...(byApex.get(splitPattern(split)) ?? []), split]);
      const groups = batchByLength([...byApex.values()], (group) => group.reduce((sum, split) => sum + batchCost(split), 0), queryBudget);
      return [...groups.map((batch) => batch.flat()), ...[...isolated].map((split) => [split])];
    },
    // Whether any proxy is 2.13+: without one, the batches are Linkerd's own, at its cost.
    probe: 'count(outbound_http_balancer_endpoints)',
    queries: (batch, selection, probed) => linkerdBatchQueries(batch, selection, probed === undefined || probed > 0),
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
