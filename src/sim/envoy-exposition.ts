// Renders one client pod's Envoy-based sidecar (Open Service Mesh's or Consul Connect's) as its
// Envoy serves Prometheus text. No real OSM or Consul capture was found publicly
// (test/fixtures/mesh/envoy/README.md), so this follows Envoy's and the meshes' sources:
// - families and labels as Envoy's default tag extraction makes them (source/common/config/
//   well_known_names.cc): `cluster.<name>.upstream_rq_2xx` → `envoy_cluster_upstream_rq_xx`
//   with `envoy_response_code_class`, `upstream_rq_200` → `envoy_cluster_upstream_rq` with
//   `envoy_response_code`, `upstream_rq_time` → the `envoy_cluster_upstream_rq_time` histogram;
//   `envoy_cluster_name` is the first dot-separated piece of the cluster's name (`cluster.$.**`);
// - tags in the order Envoy's TagProducerImpl::produceTags adds them (source/common/stats/
//   tag_producer_impl.cc): the configured fixed-value tags, then extractors without a prefix
//   (the response code class), then those of the `cluster` prefix, Envoy's own before the
//   configured ones;
// - the text as source/server/admin/prometheus_stats.cc writes it: `# TYPE` lines without HELP,
//   `{}` on a sample without tags, counters and gauges before histograms, buckets with `le` last
//   and printed `{:.32g}`, then `_sum` (`{:.32g}`), then `_count`;
// - OSM's cluster names (≥ v0.11, pkg/service/types.go): `<namespace>/<service>|<targetPort>`,
//   and `…|local` for the pod's own app, with no stats tags of OSM's own;
// - Consul's (hashicorp/consul agent/connect/sni.go, command/connect/envoy/bootstrap_config.go,
//   as consul-dataplane configures them, without the tags deprecated in 1.9):
//   `<service>.<namespace>.<datacenter>.internal.<trust-domain>.consul`, tagged
//   `consul_destination_*` by Consul's extractors, every stat tagged with the fixed
//   `local_cluster` and `consul_source_*`; the pod's own app is the cluster `local_app`.
import { envoyFloat } from './istio-exposition.js';
import type { EndpointPod, EnvoyClusterNaming, EnvoyClusterSeries } from './proxy-counters.js';
import { ENVOY_LATENCY_BUCKETS_MS, EnvoyCounters } from './proxy-counters.js';

export interface EnvoySidecarView {
  readonly counters: EnvoyCounters;
  readonly nowSeconds: number;
  /** Fixed-value tags the mesh puts on every stat (Consul's), '' for none. */
  readonly fixedTags: string;
}

const BUCKET_LABELS = [...ENVOY_LATENCY_BUCKETS_MS.map(envoyFloat), '+Inf'];

/** OSM names a cluster after the Service's namespace, name and target port. */
export const OSM_CLUSTER_NAMING: EnvoyClusterNaming = {
  upstream: (endpoint) => `envoy_cluster_name="${endpoint.namespace}/${endpoint.service}|${endpoint.port}"`,
  local: (namespace, service, port) => `envoy_cluster_name="${namespace}/${service}|${port}|local"`,
};

/** The simulated Consul datacenter and trust domain (a cluster's CA root UUID and `.consul`). */
export const CONSUL_DATACENTER = 'dc1';
export const CONSUL_TRUST_DOMAIN_ID = '6b4f2a1c-9d3e-4f5a-8b7c-1e2d3f4a5b6c';
/** consul-k8s registers every Service in Consul namespace `default` unless Enterprise mirrors Kubernetes'. */
export const CONSUL_NAMESPACE = 'default';

/** Consul's destination tags of the cluster of `service` (default partition, no subset, no custom hash). */
function consulUpstreamTags(endpoint: EndpointPod): string {
  const service = endpoint.service;
  const target = `${service}.${CONSUL_NAMESPACE}.${CONSUL_DATACENTER}`;
  return [
    `envoy_cluster_name="${service}"`,
    'consul_destination_custom_hash=""',
    'consul_destination_service_subset=""',
    `consul_destination_service="${service}"`,
    `consul_destination_namespace="${CONSUL_NAMESPACE}"`,
    'consul_destination_partition=""',
    `consul_destination_datacenter="${CONSUL_DATACENTER}"`,
    'consul_destination_routing_type="internal"',
    `consul_destination_trust_domain="${CONSUL_TRUST_DOMAIN_ID}"`,
    `consul_destination_target="${target}"`,
    `consul_destination_full_target="${target}.internal.${CONSUL_TRUST_DOMAIN_ID}"`,
  ].join(',');
}

export const CONSUL_CLUSTER_NAMING: EnvoyClusterNaming = {
  upstream: consulUpstreamTags,
  local: () => 'envoy_cluster_name="local_app"',
};

/** A pod's Envoy counters, its clusters named as its mesh names them (a pod of another mesh keeps OSM's, unused). */
export function envoyCountersFor(mesh: string, startTimeSeconds: number): EnvoyCounters {
  return new EnvoyCounters(startTimeSeconds, mesh === 'consul' ? CONSUL_CLUSTER_NAMING : OSM_CLUSTER_NAMING);
}

/** The fixed tags consul-dataplane puts on every stat of a sidecar of `service`. */
export function consulFixedTags(service: string): string {
  return [
    `local_cluster="${service}"`,
    `consul_source_service="${service}"`,
    `consul_source_namespace="${CONSUL_NAMESPACE}"`,
    'consul_source_partition="default"',
    `consul_source_datacenter="${CONSUL_DATACENTER}"`,
  ].join(',');
}

export function renderEnvoySidecarMetrics({ counters, nowSeconds, fixedTags }: EnvoySidecarView): string {
  const clusters = [...counters.clusters.values()];
  const tags = (...parts: string[]) => [fixedTags, ...parts].filter((part) => part !== '').join(',');
  const out: string[] = [];
  const total = (series: EnvoyClusterSeries) => [...series.byCode.values()].reduce((sum, count) => sum + count, 0);
  out.push('# TYPE envoy_cluster_upstream_rq counter');
  for (const series of clusters) for (const [code, count] of series.byCode) out.push(`envoy_cluster_upstream_rq{${tags(`envoy_response_code="${code}"`, series.tags)}} ${count}`);
  out.push('# TYPE envoy_cluster_upstream_rq_completed counter');
  for (const series of clusters) out.push(`envoy_cluster_upstream_rq_completed{${tags(series.tags)}} ${total(series)}`);
  out.push('# TYPE envoy_cluster_upstream_rq_total counter');
  for (const series of clusters) out.push(`envoy_cluster_upstream_rq_total{${tags(series.tags)}} ${total(series)}`);
  out.push('# TYPE envoy_cluster_upstream_rq_xx counter');
  for (const series of clusters) {
    const byClass = new Map<number, number>();
    for (const [code, count] of series.byCode) byClass.set(Math.floor(code / 100), (byClass.get(Math.floor(code / 100)) ?? 0) + count);
    for (const [codeClass, count] of byClass) out.push(`envoy_cluster_upstream_rq_xx{${tags(`envoy_response_code_class="${codeClass}"`, series.tags)}} ${count}`);
  }
  // Envoy's own clusters (the metrics listener's route to the admin port) carry no Service.
  out.push('# TYPE envoy_cluster_upstream_cx_total counter', `envoy_cluster_upstream_cx_total{${tags('envoy_cluster_name="envoy-metrics-cluster"')}} 1`);
  out.push('# TYPE envoy_server_live gauge', `envoy_server_live{${tags()}} 1`);
  out.push('# TYPE envoy_server_uptime gauge', `envoy_server_uptime{${tags()}} ${Math.max(0, nowSeconds - counters.startTimeSeconds)}`);
  out.push('# TYPE envoy_cluster_upstream_rq_time histogram');
  for (const series of clusters) {
    const label = tags(series.tags);
    let cumulative = 0;
    for (let i = 0; i < BUCKET_LABELS.length; i++) {
      cumulative += series.latency.counts[i] ?? 0;
      out.push(`envoy_cluster_upstream_rq_time_bucket{${label},le="${BUCKET_LABELS[i]}"} ${cumulative}`);
    }
    out.push(`envoy_cluster_upstream_rq_time_sum{${label}} ${envoyFloat(series.latency.sum)}`, `envoy_cluster_upstream_rq_time_count{${label}} ${series.latency.count}`);
  }
  return `${out.join('\n')}\n`;
}
