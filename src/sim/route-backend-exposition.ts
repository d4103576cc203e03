// The route-backend families a Linkerd ≥ 2.16 proxy writes for the traffic an HTTPRoute sends,
// in the layout of the real capture
// test/fixtures/mesh/linkerd/linkerd-proxy-main-f4e7b83-v2.329ish_website-pr2069_route_metrics_PARTIAL.prom
// and of linkerd2-proxy release/v2.299.0:
//   - names: `outbound_http_route` + `backend` + `response_duration` (unit seconds) and
//     `response_statuses` (route/metrics.rs registers the backend families under the route's
//     prefix; record_response/response.rs names them and gives their help);
//   - labels: parent_*, route_*, backend_* in that order (metrics/labels.rs RouteBackend: ParentRef,
//     RouteRef, BackendRef), then on statuses `http_status`, then `error` (labels.rs HttpRsp);
//     the duration histogram has no status labels;
//   - buckets 0.025 … 10 s (route/metrics.rs RESPONSE_BUCKETS).
// The Rust prometheus-client crate (encoding/text.rs) writes a histogram as `_sum`, `_count`,
// then `_bucket` lines with `le` before the family's labels, an f64 as `dtoa` does (`1.0`, never
// `1`), appends a period to each help text, and names a counter's family without `_total` in
// HELP/TYPE while its samples end in `_total`.
import { ROUTE_LATENCY_BUCKETS_MS } from './proxy-counters.js';
import type { RouteBackendRef, RouteBackendSeries } from './proxy-counters.js';

interface RouteFamilies {
  readonly duration: string;
  readonly statuses: string;
  readonly ok: string;
  readonly failed: string;
}

// Simulated failures are 5xx answers (the same outcome the response_total series give as status
// 500); `error` stays empty, since the backend answered. Only HTTP clients call HTTPRoutes here
// (scenario-references.ts): the grpc families belong to the proxy's GRPCRoute stack.
const HTTP: RouteFamilies = {
  duration: 'outbound_http_route_backend_response_duration_seconds',
  statuses: 'outbound_http_route_backend_response_statuses',
  ok: 'http_status="200",error=""',
  failed: 'http_status="500",error=""',
};

/**
 * An f64 as Rust's `dtoa` prints it, for the finite values from 1e-6 to 1e21 a page here holds:
 * the shortest digits that read back as the value, like JavaScript's, and `.0` on whole numbers.
 */
export function formatRustF64(value: number): string {
  const text = String(value);
  return text.includes('.') ? text : `${text}.0`;
}

/** The `le` texts: the bounds in seconds, then the +Inf bucket (the crate's f64::MAX bound). */
export const ROUTE_BUCKET_LE: readonly string[] = [...ROUTE_LATENCY_BUCKETS_MS.map((ms) => formatRustF64(ms / 1000)), '+Inf'];

/**
 * The label set of a route backend. Values are Kubernetes names (DNS labels, checked by the
 * scenario), which need no escaping; the crate would not escape them either.
 */
export function routeBackendLabels(ref: RouteBackendRef): string {
  const { namespace, parent, routeGroup, route, backend } = ref;
  const port = String(ref.port);
  return [
    `parent_group="core",parent_kind="Service",parent_namespace="${namespace}",parent_name="${parent}",parent_port="${port}",parent_section_name=""`,
    `route_group="${routeGroup}",route_kind="HTTPRoute",route_namespace="${namespace}",route_name="${route}"`,
    `backend_group="core",backend_kind="Service",backend_namespace="${namespace}",backend_name="${backend}",backend_port="${port}",backend_section_name=""`,
  ].join(',');
}

// Refs live as long as the simulation and are shared by every client pod calling the route.
const labelCache = new WeakMap<RouteBackendRef, string>();

function labelsOf(ref: RouteBackendRef): string {
  let labels = labelCache.get(ref);
  if (labels === undefined) {
    labels = routeBackendLabels(ref);
    labelCache.set(ref, labels);
  }
  return labels;
}

/**
 * Appends both families for the series given. Without series they are left out, so a proxy that
 * never used an HTTPRoute shows none of them (the scrape path reads any `outbound_*_route_`
 * family as proof of a 2.13+ proxy).
 */
export function renderRouteBackends(out: string[], series: readonly RouteBackendSeries[]): void {
  if (series.length === 0) return;
  const { duration, statuses, ok, failed } = HTTP;
  out.push(
    `# HELP ${duration} The time between request completion and response completion.`,
    `# TYPE ${duration} histogram`,
    `# UNIT ${duration} seconds`,
  );
  for (const one of series) {
    const labels = labelsOf(one.ref);
    const { latency } = one;
    // The sum is kept in whole ms, so it is exact until this one division.
    out.push(`${duration}_sum{${labels}} ${formatRustF64(latency.sum / 1000)}`, `${duration}_count{${labels}} ${latency.count}`);
    let cumulative = 0;
    for (let i = 0; i < ROUTE_BUCKET_LE.length; i++) {
      cumulative += latency.counts[i] ?? 0;
      out.push(`${duration}_bucket{le="${ROUTE_BUCKET_LE[i]}",${labels}} ${cumulative}`);
    }
  }
  out.push(`# HELP ${statuses} Completed responses.`, `# TYPE ${statuses} counter`);
  for (const one of series) {
    const labels = labelsOf(one.ref);
    // A counter appears once a response of its status was seen.
    if (one.success > 0) out.push(`${statuses}_total{${labels},${ok}} ${one.success}`);
    if (one.failure > 0) out.push(`${statuses}_total{${labels},${failed}} ${one.failure}`);
  }
}
