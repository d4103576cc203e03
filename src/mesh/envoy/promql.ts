// The same stats from a Prometheus that scrapes Envoy-based meshes' sidecars: the clients'
// `envoy_cluster_upstream_rq_xx` and `envoy_cluster_upstream_rq_time` of the clusters that reach
// each backend, read as the scrape path reads them (adapter.ts). A batch selects its splits'
// backends' clusters; each answer counts for every split of the batch that lists that leaf,
// TrafficSplit or HTTPRoute. A 5xx class is a failure, marked in PromQL before anything is
// summed or rounded.
//
// Where a mesh's series do not say the Kubernetes namespace of the Service (Consul's `default`,
// a cluster pattern without a `namespace` group), the client's own is read from the `namespace`
// label Prometheus' Kubernetes pod discovery is conventionally relabelled into (README).
import type { TrafficSplit } from '../../splits/index.js';
import type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from '../../promql/index.js';
import { batchByLength, escapeRegexLiteral, labelList, labelMatcher, QuerySelectionError } from '../../promql/index.js';
import { backendRegexLength, splitsOfLeaf } from '../leaf-splits.js';
import type { EnvoyLeaf } from './adapter.js';
import { ENVOY_LATENCY_BUCKET, ENVOY_RESPONSES } from './adapter.js';
import type { ClusterPattern } from './cluster-pattern.js';
import { ENVOY_PATTERN_MESH, patternLeaf } from './cluster-pattern.js';
import { consulLeaf, CONSUL_MESH } from './consul.js';
import { OSM_MESH, osmClusterLeaf } from './osm.js';

const DEFAULT_REGEX_BUDGET = 4000;
/** The label the client pod's namespace is conventionally relabelled into by Prometheus' pod discovery. */
export const CLIENT_NAMESPACE_LABEL = 'namespace';

/** What one Envoy-based mesh's PromQL needs: how a batch selects its clusters, what answers are grouped by, and which leaf a group is. */
interface EnvoySelection {
  readonly mesh: string;
  /** Matchers selecting the clusters of the batch's backends (and of --to's Service, when one is given). */
  matchers(splits: readonly TrafficSplit[], to: QuerySelection['to']): string[];
  /** The labels every answer is grouped by. */
  readonly groupBy: readonly string[];
  leafOf(metric: Readonly<Record<string, string>>): EnvoyLeaf | null;
  /** Extra regex characters a split costs a batch, beyond its namespace and backends. */
  readonly perSplitRegex: number;
}

function envoyQuerySchema(selectionOf: EnvoySelection, regexBudget: number): QuerySchema {
  return {
    name: selectionOf.mesh,
    latencyToMs: 1,
    batches: (splits) => batchByLength(splits, (split) => backendRegexLength(split) + selectionOf.perSplitRegex, regexBudget),
    queries: (batch, selection): BatchQueries => {
      if (selection.from !== undefined) {
        throw new QuerySelectionError(`--from needs the linkerd or istio schema: ${selectionOf.mesh}'s Envoy series name no client workload of their own`);
      }
      // TrafficSplits and HTTPRoutes alike: Envoy's cluster families name no route.
      const labels = labelList(selectionOf.matchers(batch, selection.to));
      const groupBy = selectionOf.groupBy.join(', ');
      const w = selection.range;
      return {
        counts: `sum(label_replace(increase(${ENVOY_RESPONSES}${labels}[${w}]), "classification", "failure", "envoy_response_code_class", "5")) by (${groupBy}, classification)`,
        buckets: `sum(rate(${ENVOY_LATENCY_BUCKET}${labels}[${w}])) by (${groupBy}, le)`,
      };
    },
    keyOf: (metric, batch, selection): SampleKey => {
      const found = selectionOf.leafOf(metric);
      const namespace = found === null ? undefined : (found.namespace ?? metric[CLIENT_NAMESPACE_LABEL]);
      const to = selection?.to;
      const wanted = to === undefined || ((to.namespace === null || to.namespace === namespace) && (to.service === null || to.service === found?.leaf));
      if (found === null || namespace === undefined || !wanted) return { splits: [], leaf: undefined, classification: undefined };
      return { splits: splitsOfLeaf(batch).get(`${namespace}/${found.leaf}`) ?? [], leaf: found.leaf, classification: metric['classification'] === 'failure' ? 'failure' : 'success' };
    },
  };
}

/** `(a|b|c)` of the batch's backends, `` for none. */
function backendAlternation(splits: readonly TrafficSplit[]): string {
  const leaves = new Set(splits.flatMap((split) => split.backends.map((backend) => backend.service)));
  return [...leaves].map(escapeRegexLiteral).join('|');
}

/** OSM: `ns/(a|b)\|[0-9]+|…`, every cluster of the batch's backends whatever their target port. */
function osmClusterPattern(splits: readonly TrafficSplit[]): string {
  const byNamespace = new Map<string, TrafficSplit[]>();
  for (const split of splits) byNamespace.set(split.namespace, [...(byNamespace.get(split.namespace) ?? []), split]);
  return [...byNamespace].map(([namespace, inNamespace]) => `${escapeRegexLiteral(namespace)}/(${backendAlternation(inNamespace)})\\|[0-9]+`).join('|');
}

const OSM_SELECTION: EnvoySelection = {
  mesh: OSM_MESH,
  matchers: (splits, to) => {
    const matchers = [labelMatcher('envoy_cluster_name', '=~', osmClusterPattern(splits))];
    // --to: the cluster of that Service (and namespace), the same pattern narrowed.
    if (to !== undefined && (to.service !== null || to.namespace !== null)) {
      matchers.push(labelMatcher('envoy_cluster_name', '=~', `${to.namespace === null ? '[^/]+' : escapeRegexLiteral(to.namespace)}/${to.service === null ? '[^|]+' : escapeRegexLiteral(to.service)}\\|[0-9]+`));
    }
    return matchers;
  },
  groupBy: ['envoy_cluster_name'],
  leafOf: (metric) => osmClusterLeaf(metric['envoy_cluster_name']),
  // Each namespace adds `/(…)\\|[0-9]+` around its backends.
  perSplitRegex: 12,
};

const CONSUL_SELECTION: EnvoySelection = {
  mesh: CONSUL_MESH,
  // The Service by name in any Consul namespace (which is not always Kubernetes'); keyOf decides.
  matchers: (splits, to) => [
    labelMatcher('consul_destination_service', '=~', to?.service == null ? backendAlternation(splits) : escapeRegexLiteral(to.service)),
    labelMatcher('consul_destination_routing_type', '=~', 'internal.*'),
  ],
  groupBy: ['consul_destination_service', 'consul_destination_namespace', 'consul_destination_routing_type', CLIENT_NAMESPACE_LABEL],
  leafOf: consulLeaf,
  perSplitRegex: 1,
};

function patternSelection(pattern: ClusterPattern): EnvoySelection {
  // RE2 names groups `(?P<name>…)` (Go ≥ 1.22 takes `(?<name>…)` too).
  const re2 = pattern.source.replace(/\(\?<([A-Za-z])/g, '(?P<$1');
  return {
    mesh: ENVOY_PATTERN_MESH,
    // Every cluster the pattern matches: what a name holds is known only by matching it (keyOf).
    matchers: () => [labelMatcher('envoy_cluster_name', '=~', re2)],
    groupBy: ['envoy_cluster_name', CLIENT_NAMESPACE_LABEL],
    leafOf: (metric) => patternLeaf(pattern, metric['envoy_cluster_name']),
    perSplitRegex: 1,
  };
}

export interface EnvoySchemaOptions {
  readonly regexBudget?: number;
}

export function osmQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET }: EnvoySchemaOptions = {}): QuerySchema {
  return envoyQuerySchema(OSM_SELECTION, regexBudget);
}

export function consulQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET }: EnvoySchemaOptions = {}): QuerySchema {
  return envoyQuerySchema(CONSUL_SELECTION, regexBudget);
}

export function clusterPatternQuerySchema(pattern: ClusterPattern, { regexBudget = DEFAULT_REGEX_BUDGET }: EnvoySchemaOptions = {}): QuerySchema {
  return envoyQuerySchema(patternSelection(pattern), regexBudget);
}

/** The OSM batch queries (tests read the PromQL text). */
export function osmBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection): BatchQueries {
  return osmQuerySchema().queries(batch, selection);
}
