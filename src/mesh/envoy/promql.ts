// The same stats from a Prometheus that scrapes Open Service Mesh's sidecars: the clients'
// `envoy_cluster_upstream_rq_xx` and `envoy_cluster_upstream_rq_time` of the clusters OSM names
// after each backend (`<namespace>/<service>|<targetPort>`), read as the scrape path reads them
// (adapter.ts). A batch selects its splits' backends' clusters with one regex; each answer counts
// for every TrafficSplit of the batch that lists that leaf. A 5xx class is a failure, marked in
// PromQL before anything is summed or rounded.
import type { TrafficSplit } from '../../splits/index.js';
import type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from '../../promql/index.js';
import { batchByLength, escapeRegexLiteral, labelList, labelMatcher, QuerySelectionError } from '../../promql/index.js';
import { backendRegexLength, splitsOfLeaf } from '../leaf-splits.js';
import { ENVOY_LATENCY_BUCKET, ENVOY_RESPONSES, OSM_MESH, osmClusterLeaf } from './adapter.js';

const DEFAULT_REGEX_BUDGET = 4000;

/** `ns/(a|b)\|[0-9]+|…`: every cluster of the batch's backends, whatever their target port. */
function clusterPattern(splits: readonly TrafficSplit[]): string {
  const byNamespace = new Map<string, Set<string>>();
  for (const split of splits) {
    const leaves = byNamespace.get(split.namespace) ?? new Set<string>();
    for (const backend of split.backends) leaves.add(backend.service);
    byNamespace.set(split.namespace, leaves);
  }
  return [...byNamespace].map(([namespace, leaves]) => `${escapeRegexLiteral(namespace)}/(${[...leaves].map(escapeRegexLiteral).join('|')})\\|[0-9]+`).join('|');
}

export function osmBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection): BatchQueries {
  if (selection.from !== undefined) {
    throw new QuerySelectionError("--from needs the linkerd or istio schema: OSM's Envoy series name no client of their own");
  }
  const splits = batch.filter((split) => split.kind === 'TrafficSplit');
  const matchers = [labelMatcher('envoy_cluster_name', '=~', splits.length === 0 ? '' : clusterPattern(splits))];
  const to = selection.to;
  // --to: the cluster of that Service (and namespace), the same pattern narrowed.
  if (to !== undefined && (to.service !== null || to.namespace !== null)) {
    matchers.push(labelMatcher('envoy_cluster_name', '=~', `${to.namespace === null ? '[^/]+' : escapeRegexLiteral(to.namespace)}/${to.service === null ? '[^|]+' : escapeRegexLiteral(to.service)}\\|[0-9]+`));
  }
  const labels = labelList(matchers);
  const w = selection.range;
  return {
    counts: `sum(label_replace(increase(${ENVOY_RESPONSES}${labels}[${w}]), "classification", "failure", "envoy_response_code_class", "5")) by (envoy_cluster_name, classification)`,
    buckets: `sum(rate(${ENVOY_LATENCY_BUCKET}${labels}[${w}])) by (envoy_cluster_name, le)`,
  };
}

export function osmQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET }: { readonly regexBudget?: number } = {}): QuerySchema {
  return {
    name: OSM_MESH,
    latencyToMs: 1,
    // Each namespace adds `/(…)\\|[0-9]+` around its backends.
    batches: (splits) => batchByLength(splits, (split) => backendRegexLength(split) + 12, regexBudget),
    queries: osmBatchQueries,
    keyOf: (metric, batch): SampleKey => {
      const leaf = osmClusterLeaf(metric['envoy_cluster_name']);
      if (leaf === null) return { splits: [], leaf: undefined, classification: undefined };
      return { splits: splitsOfLeaf(batch).get(`${leaf.namespace}/${leaf.leaf}`) ?? [], leaf: leaf.leaf, classification: metric['classification'] === 'failure' ? 'failure' : 'success' };
    },
  };
}
