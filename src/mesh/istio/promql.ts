// The same stats from a Prometheus that scrapes Istio's sidecars: client-side
// (`reporter="source"`) `istio_requests_total` and `istio_request_duration_milliseconds`, read as
// the scrape path reads them (adapter.ts). Istio names only the leaf, so a batch selects its
// splits' namespaces and backends, and each answer counts for every split of the batch (a
// TrafficSplit or an HTTPRoute: Istio names no route) that lists that leaf, as in scrape mode.
//
// Failures are classified in PromQL before anything is summed or rounded, by Linkerd's
// definition (isIstioFailure): two label_replace calls write `classification="failure"` on a 5xx
// or `0` response code and on a gRPC status other than 0; every other series is a success.
import type { TrafficSplit } from '../../splits/index.js';
import type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from '../../promql/index.js';
import { batchByLength, escapeRegexLiteral, labelList, labelMatcher, QuerySelectionError } from '../../promql/index.js';
import { backendRegexLength, splitsOfLeaf } from '../leaf-splits.js';
import { ISTIO_LATENCY_BUCKET, ISTIO_MESH, ISTIO_REQUESTS } from './adapter.js';

const DEFAULT_REGEX_BUDGET = 4000;
/** What every answer is grouped by: the leaf, and its host to tell a cluster Service from a ServiceEntry. */
const LEAF_LABELS = 'destination_service_namespace, destination_service_name, destination_service';

export function istioBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection): BatchQueries {
  const splits = batch;
  const matchers = [
    labelMatcher('reporter', '=', 'source'),
    oneOf('destination_service_namespace', splits.map((split) => split.namespace)),
    oneOf('destination_service_name', splits.flatMap((split) => split.backends.map((backend) => backend.service))),
    ...selectionMatchers(selection),
  ];
  const labels = labelList(matchers);
  const w = selection.range;
  const classified = `label_replace(label_replace(increase(${ISTIO_REQUESTS}${labels}[${w}]), "classification", "failure", "response_code", "5.*|0"), "classification", "failure", "grpc_response_status", "[1-9][0-9]*")`;
  return {
    counts: `sum(${classified}) by (${LEAF_LABELS}, classification)`,
    buckets: `sum(rate(${ISTIO_LATENCY_BUCKET}${labels}[${w}])) by (${LEAF_LABELS}, le)`,
  };
}

function selectionMatchers(selection: QuerySelection): string[] {
  const matchers: string[] = [];
  const from = selection.from;
  if (from !== undefined) {
    if (from.kind === 'pod') throw new QuerySelectionError("--from pod needs the linkerd schema: Istio's series name the client's workload, not its pod");
    // Istio names the client's workload (source_workload), not its kind.
    if (from.kind !== undefined && from.kind !== 'namespace' && from.name !== undefined) matchers.push(labelMatcher('source_workload', '=', from.name));
    if (from.namespace !== undefined) matchers.push(labelMatcher('source_workload_namespace', '=', from.namespace));
  }
  const to = selection.to;
  if (to !== undefined) {
    if (to.service !== null) matchers.push(labelMatcher('destination_service_name', '=', to.service));
    if (to.namespace !== null) matchers.push(labelMatcher('destination_service_namespace', '=', to.namespace));
  }
  return matchers;
}

/** `label="value"` for one value, else an anchored alternation (Prometheus anchors =~); `^$` for none. */
function oneOf(label: string, values: readonly string[]): string {
  const distinct = [...new Set(values)];
  if (distinct.length === 1) return labelMatcher(label, '=', distinct[0] as string);
  return labelMatcher(label, '=~', distinct.length === 0 ? '' : distinct.map(escapeRegexLiteral).join('|'));
}

export function istioQuerySchema({ regexBudget = DEFAULT_REGEX_BUDGET }: { readonly regexBudget?: number } = {}): QuerySchema {
  return {
    name: ISTIO_MESH,
    latencyToMs: 1,
    batches: (splits) => batchByLength(splits, backendRegexLength, regexBudget),
    queries: istioBatchQueries,
    keyOf: (metric, batch): SampleKey => {
      const namespace = metric['destination_service_namespace'] ?? '';
      const leaf = metric['destination_service_name'] ?? '';
      // A ServiceEntry may carry a Service's short name: only the cluster-local host is a backend.
      const host = metric['destination_service'] ?? '';
      const splits = host.startsWith(`${leaf}.${namespace}.svc.`) ? (splitsOfLeaf(batch).get(`${namespace}/${leaf}`) ?? []) : [];
      return { splits, leaf, classification: metric['classification'] === 'failure' ? 'failure' : 'success' };
    },
  };
}
