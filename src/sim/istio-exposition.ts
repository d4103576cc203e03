// Renders one client pod's Istio sidecar counters as its merged `:15020/stats/prometheus` page,
// following the real Istio 1.7.1 sidecar page in shared/fixtures/istio (test/fixtures/mesh/istio
// holds the copy a test compares against, label for label):
// - `istio_requests_total` and `istio_request_duration_milliseconds` with the 1.7 label set in
//   its order (response_code, reporter, source_*, destination_*, request_protocol,
//   response_flags, grpc_response_status, connection_security_policy, canonical service and
//   revision), client-side series as `reporter="source"`, kubelet probes as the destination
//   sidecar reports them (`InboundPassthroughClusterIpv4`, the pod's IP:port);
// - histogram lines as Envoy writes them: the buckets (`le` last, Envoy's default bounds, whole
//   numbers without a decimal point), then `_sum` printed as `%.32g` does (`429.54999999999995452526491135359`),
//   then `_count`;
// - beside them, Envoy's own cluster counters and the agent's gauges a real page carries, which
//   consumers must skip.
import type { IstioCounters, IstioSeries } from './proxy-counters.js';
import { ISTIO_LATENCY_BUCKETS_MS } from './proxy-counters.js';

export interface IstioView {
  readonly counters: IstioCounters;
  readonly clusterDomain: string;
  /** The client pod: its namespace, workload (Deployment) and IP. */
  readonly client: { readonly namespace: string; readonly workload: string; readonly ip: string; readonly appPort: number };
  readonly nowSeconds: number;
}

const BUCKET_LABELS = [...ISTIO_LATENCY_BUCKETS_MS.map(String), '+Inf'];

/** A double as Envoy's Prometheus output prints it: C's `%.32g`. */
export function envoyFloat(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const text = value.toPrecision(32);
  if (text.includes('e')) return text;
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function seriesLabels(series: IstioSeries, view: IstioView): string {
  const { client, clusterDomain } = view;
  const principal = (namespace: string, account: string) => `spiffe://${clusterDomain}/ns/${namespace}/sa/${account}`;
  const source: [string, string][] = [
    ['source_workload', client.workload],
    ['source_workload_namespace', client.namespace],
    ['source_principal', principal(client.namespace, client.workload)],
    ['source_app', client.workload],
    ['source_version', 'unknown'],
  ];
  const canonical = (destination: string, revision: string): [string, string][] => [
    ['source_canonical_service', client.workload],
    ['destination_canonical_service', destination],
    ['source_canonical_revision', 'latest'],
    ['destination_canonical_revision', revision],
  ];
  const endpoint = series.endpoint;
  if (series.reporter === 'destination' || endpoint === undefined) {
    // A probe: the kubelet is no workload, and the sidecar passes it through to the app port.
    return pairs([
      ['response_code', series.responseCode],
      ['reporter', 'destination'],
      ['source_workload', 'unknown'],
      ['source_workload_namespace', 'unknown'],
      ['source_principal', 'unknown'],
      ['source_app', 'unknown'],
      ['source_version', 'unknown'],
      ['destination_workload', client.workload],
      ['destination_workload_namespace', client.namespace],
      ['destination_principal', 'unknown'],
      ['destination_app', client.workload],
      ['destination_version', 'unknown'],
      ['destination_service', `${client.ip}:${client.appPort}`],
      ['destination_service_name', 'InboundPassthroughClusterIpv4'],
      ['destination_service_namespace', client.namespace],
      ['request_protocol', 'http'],
      ['response_flags', '-'],
      ['grpc_response_status', ''],
      ['connection_security_policy', 'none'],
      ['source_canonical_service', 'unknown'],
      ['destination_canonical_service', client.workload],
      ['source_canonical_revision', 'latest'],
      ['destination_canonical_revision', 'latest'],
    ]);
  }
  return pairs([
    ['response_code', series.responseCode],
    ['reporter', 'source'],
    ...source,
    ['destination_workload', endpoint.deployment],
    ['destination_workload_namespace', endpoint.namespace],
    ['destination_principal', principal(endpoint.namespace, endpoint.serviceAccount)],
    ['destination_app', endpoint.service],
    ['destination_version', 'unknown'],
    ['destination_service', `${endpoint.service}.${endpoint.namespace}.svc.${clusterDomain}`],
    ['destination_service_name', endpoint.service],
    ['destination_service_namespace', endpoint.namespace],
    ['request_protocol', series.grpcStatus === '' ? 'http' : 'grpc'],
    // DC: the downstream connection ended before a response (no response code).
    ['response_flags', series.responseCode === '0' ? 'DC' : series.responseCode === '503' ? 'URX' : '-'],
    ['grpc_response_status', series.grpcStatus],
    ['connection_security_policy', 'unknown'],
    ...canonical(endpoint.service, 'latest'),
  ]);
}

function pairs(list: readonly (readonly [string, string])[]): string {
  return list.map(([name, value]) => `${name}="${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',');
}

export function renderIstioSidecarMetrics(view: IstioView): string {
  const { counters } = view;
  const all = [...counters.series.values()];
  const labelsOf = new Map(all.map((series) => [series, seriesLabels(series, view)]));
  const out: string[] = [];
  // The agent's own metrics come first on the merged page.
  out.push('# TYPE istio_agent_pilot_xds gauge', 'istio_agent_pilot_xds{version="1.7.1"} 1');
  out.push('# TYPE istio_agent_process_start_time_seconds gauge', `istio_agent_process_start_time_seconds ${counters.startTimeSeconds}`);
  // Envoy's cluster counters: the outbound clusters the client used.
  out.push('# TYPE envoy_cluster_upstream_rq_total counter');
  const clusters = new Map<string, number>();
  for (const series of all) {
    if (series.reporter !== 'source' || series.endpoint === undefined) continue;
    const { endpoint } = series;
    const cluster = `outbound|${endpoint.port}||${endpoint.service}.${endpoint.namespace}.svc.${view.clusterDomain}`;
    clusters.set(cluster, (clusters.get(cluster) ?? 0) + series.requests);
  }
  for (const [cluster, requests] of clusters) out.push(`envoy_cluster_upstream_rq_total{cluster_name="${cluster}"} ${requests}`);
  out.push('# TYPE envoy_server_uptime gauge', `envoy_server_uptime ${Math.max(0, view.nowSeconds - counters.startTimeSeconds)}`);

  out.push('# TYPE istio_requests_total counter');
  for (const series of all) out.push(`istio_requests_total{${labelsOf.get(series) ?? ''}} ${series.requests}`);
  out.push('# TYPE istio_request_duration_milliseconds histogram');
  for (const series of all) {
    const base = labelsOf.get(series) ?? '';
    const histogram = series.latency;
    let cumulative = 0;
    for (let i = 0; i < BUCKET_LABELS.length; i++) {
      cumulative += histogram.counts[i] ?? 0;
      out.push(`istio_request_duration_milliseconds_bucket{${base},le="${BUCKET_LABELS[i]}"} ${cumulative}`);
    }
    out.push(`istio_request_duration_milliseconds_sum{${base}} ${envoyFloat(histogram.sum)}`, `istio_request_duration_milliseconds_count{${base}} ${histogram.count}`);
  }
  return `${out.join('\n')}\n`;
}
