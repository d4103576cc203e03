// Renders one client pod's Open Service Mesh sidecar as its Envoy serves `:15010/stats/prometheus`.
// No real OSM capture was found publicly (test/fixtures/mesh/envoy/README.md), so this follows
// Envoy's and OSM's sources:
// - families and labels as Envoy's default tag extraction makes them (source/common/config/
//   well_known_names.cc): `cluster.<name>.upstream_rq_2xx` → `envoy_cluster_upstream_rq_xx`
//   with `envoy_response_code_class` then `envoy_cluster_name`, `upstream_rq_200` →
//   `envoy_cluster_upstream_rq` with `envoy_response_code`, `upstream_rq_time` → the
//   `envoy_cluster_upstream_rq_time` histogram;
// - the text as source/server/admin/prometheus_stats.cc writes it: `# TYPE` lines without HELP,
//   `{}` on a sample without tags, counters and gauges before histograms, buckets with `le` last
//   and printed `{:.32g}`, then `_sum` (`{:.32g}`), then `_count`;
// - cluster names as OSM ≥ v0.11 writes them (pkg/service/types.go): `<namespace>/<service>|<targetPort>`,
//   and `…|local` for the pod's own app, which kubelet probes go through.
import { envoyFloat } from './istio-exposition.js';
import type { EnvoyClusterSeries, OsmCounters } from './proxy-counters.js';
import { ENVOY_LATENCY_BUCKETS_MS } from './proxy-counters.js';

export interface OsmView {
  readonly counters: OsmCounters;
  readonly nowSeconds: number;
}

const BUCKET_LABELS = [...ENVOY_LATENCY_BUCKETS_MS.map(envoyFloat), '+Inf'];

function clusterLabel(series: EnvoyClusterSeries): string {
  return `envoy_cluster_name="${series.name}"`;
}

export function renderOsmSidecarMetrics({ counters, nowSeconds }: OsmView): string {
  const clusters = [...counters.clusters.values()];
  const out: string[] = [];
  const total = (series: EnvoyClusterSeries) => [...series.byCode.values()].reduce((sum, count) => sum + count, 0);
  out.push('# TYPE envoy_cluster_upstream_rq counter');
  for (const series of clusters) for (const [code, count] of series.byCode) out.push(`envoy_cluster_upstream_rq{envoy_response_code="${code}",${clusterLabel(series)}} ${count}`);
  out.push('# TYPE envoy_cluster_upstream_rq_completed counter');
  for (const series of clusters) out.push(`envoy_cluster_upstream_rq_completed{${clusterLabel(series)}} ${total(series)}`);
  out.push('# TYPE envoy_cluster_upstream_rq_total counter');
  for (const series of clusters) out.push(`envoy_cluster_upstream_rq_total{${clusterLabel(series)}} ${total(series)}`);
  out.push('# TYPE envoy_cluster_upstream_rq_xx counter');
  for (const series of clusters) {
    const byClass = new Map<number, number>();
    for (const [code, count] of series.byCode) byClass.set(Math.floor(code / 100), (byClass.get(Math.floor(code / 100)) ?? 0) + count);
    for (const [codeClass, count] of byClass) out.push(`envoy_cluster_upstream_rq_xx{envoy_response_code_class="${codeClass}",${clusterLabel(series)}} ${count}`);
  }
  // Envoy's own clusters (the metrics listener's route to the admin port) carry no Service.
  out.push('# TYPE envoy_cluster_upstream_cx_total counter', 'envoy_cluster_upstream_cx_total{envoy_cluster_name="envoy-metrics-cluster"} 1');
  out.push('# TYPE envoy_server_live gauge', 'envoy_server_live{} 1');
  out.push('# TYPE envoy_server_uptime gauge', `envoy_server_uptime{} ${Math.max(0, nowSeconds - counters.startTimeSeconds)}`);
  out.push('# TYPE envoy_cluster_upstream_rq_time histogram');
  for (const series of clusters) {
    const label = clusterLabel(series);
    let cumulative = 0;
    for (let i = 0; i < BUCKET_LABELS.length; i++) {
      cumulative += series.latency.counts[i] ?? 0;
      out.push(`envoy_cluster_upstream_rq_time_bucket{${label},le="${BUCKET_LABELS[i]}"} ${cumulative}`);
    }
    out.push(`envoy_cluster_upstream_rq_time_sum{${label}} ${envoyFloat(series.latency.sum)}`, `envoy_cluster_upstream_rq_time_count{${label}} ${series.latency.count}`);
  }
  return `${out.join('\n')}\n`;
}
