// PromQL for HTTPRoute splits over Linkerd's route-backend families (proxy ≥ v2.242, Linkerd
// 2.16): `outbound_http_route_backend_response_statuses_total` and
// `…_response_duration_seconds_bucket`, labelled parent_* (the Service called), route_* and
// backend_* (route/metrics/labels.rs). The outcome is read as `linkerd viz stat-outbound` reads
// it: an HTTP 5xx or any `error` is a failure. (The outbound_grpc_route_* families are
// GRPCRoutes', which make no split.)
import type { TrafficSplit } from '../../splits/index.js';
import type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from '../../promql/index.js';
import { batchByLength, escapeRegexLiteral, labelList, labelMatcher, QuerySelectionError } from '../../promql/index.js';
import { splitRouteId } from '../split-edges.js';
import { routeId } from '../adapter.js';

const STATUSES = 'outbound_http_route_backend_response_statuses_total';
const DURATION_BUCKETS = 'outbound_http_route_backend_response_duration_seconds_bucket';
const ROUTE_LABELS = 'parent_namespace, parent_name, route_group, route_namespace, route_name, backend_namespace, backend_name';
/** Characters of split names per batch query. */
const DEFAULT_BUDGET = 6000;

/** Prometheus' label for a `--from` kind, as linkerd-viz's scrape config names them. */
const FROM_KIND_LABELS: Readonly<Record<string, string>> = { job: 'k8s_job' };

/** One HTTPRoute split's queries, as histogram_quantile answers them: the batched form's reference. */
export interface LinkerdRouteSplitQueries {
  /** Increases per (backend, status, error). */
  readonly counts: string;
  /** Latency quantile (seconds) per backend. */
  readonly leafQuantile: (quantile: string) => string;
  /** The same over every backend of the route. */
  readonly splitQuantile: (quantile: string) => string;
}

export function linkerdRouteSplitQueries(split: TrafficSplit, selection: QuerySelection): LinkerdRouteSplitQueries {
  const matchers = routeMatchers([split], selection);
  const w = selection.range;
  const select = (name: string): string => `${name}${labelList(matchers)}`;
  const buckets = `sum(irate(${select(DURATION_BUCKETS)}[${w}]))`;
  return {
    counts: `sum(increase(${select(STATUSES)}[${w}])) by (${ROUTE_LABELS}, http_status, error)`,
    leafQuantile: (q) => `histogram_quantile(${q}, ${buckets} by (le, backend_namespace, backend_name))`,
    splitQuantile: (q) => `histogram_quantile(${q}, ${buckets} by (le))`,
  };
}

export function linkerdRouteBatchQueries(batch: readonly TrafficSplit[], selection: QuerySelection): BatchQueries {
  const matchers = routeMatchers(batch, selection);
  const w = selection.range;
  const select = (name: string): string => `${name}${labelList(matchers)}`;
  return {
    counts: `sum(increase(${select(STATUSES)}[${w}])) by (${ROUTE_LABELS}, http_status, error)`,
    buckets: `sum(irate(${select(DURATION_BUCKETS)}[${w}])) by (le, ${ROUTE_LABELS})`,
  };
}

/** The route families' selection for a batch: its parents and routes, and --from/--to. */
function routeMatchers(batch: readonly TrafficSplit[], selection: QuerySelection): string[] {
  const matchers = [
    labelMatcher('parent_kind', '=', 'Service'),
    labelMatcher('route_kind', '=', 'HTTPRoute'),
    labelMatcher('backend_kind', '=', 'Service'),
    oneOf('parent_namespace', batch.map((split) => split.namespace)),
    oneOf('parent_name', batch.map((split) => split.apex)),
    oneOf('route_name', batch.map((split) => split.route?.name ?? split.name)),
  ];
  const { from, to } = selection;
  if (from !== undefined) {
    if (from.kind !== undefined && from.kind !== 'namespace' && from.name !== undefined) {
      if (from.kind === 'cronjob' || from.kind === 'replicationcontroller') throw new QuerySelectionError(`--from ${from.kind} is not supported for HTTPRoute splits`);
      matchers.push(labelMatcher(FROM_KIND_LABELS[from.kind] ?? from.kind, '=', from.name));
    }
    if (from.namespace !== undefined) matchers.push(labelMatcher('namespace', '=', from.namespace));
  }
  if (to !== undefined) {
    if (to.service !== null) matchers.push(labelMatcher('backend_name', '=', to.service));
    if (to.namespace !== null) matchers.push(labelMatcher('backend_namespace', '=', to.namespace));
  }
  return matchers;
}

function oneOf(label: string, values: readonly string[]): string {
  const distinct = [...new Set(values)];
  if (distinct.length === 1) return labelMatcher(label, '=', distinct[0] as string);
  return labelMatcher(label, '=~', distinct.map(escapeRegexLiteral).join('|'));
}

/** success or failure of one statuses sample, as stat-outbound classifies it. */
export function classifyRouteStatus(metric: Readonly<Record<string, string>>): 'success' | 'failure' {
  return (metric['error'] ?? '') !== '' || (metric['http_status'] ?? '').startsWith('5') ? 'failure' : 'success';
}

export function linkerdRouteQuerySchema({ budget = DEFAULT_BUDGET }: { readonly budget?: number } = {}): QuerySchema {
  const lookups = new WeakMap<readonly TrafficSplit[], Map<string, number[]>>();
  return {
    name: 'linkerd',
    latencyToMs: 1000,
    batches: (splits) => batchByLength(splits, (split) => split.namespace.length + split.apex.length + (split.route?.name.length ?? 0) + 3, budget),
    queries: linkerdRouteBatchQueries,
    keyOf: (metric, batch): SampleKey => {
      let lookup = lookups.get(batch);
      if (lookup === undefined) {
        lookup = new Map();
        batch.forEach((split, index) => {
          const key = `${split.namespace}/${split.apex}/${splitRouteId(split) ?? ''}`;
          lookup?.set(key, [...(lookup.get(key) ?? []), index]);
        });
        lookups.set(batch, lookup);
      }
      const namespace = metric['parent_namespace'] ?? '';
      // Producer routes to Services of their own namespace only, as the scrape path reads them.
      const own = metric['route_namespace'] === namespace && metric['backend_namespace'] === namespace;
      const key = `${namespace}/${metric['parent_name'] ?? ''}/${routeId(metric['route_group'] ?? '', metric['route_name'] ?? '')}`;
      const isCount = metric['le'] === undefined;
      return { splits: own ? (lookup.get(key) ?? []) : [], leaf: metric['backend_name'], classification: isCount ? classifyRouteStatus(metric) : undefined };
    },
  };
}
