// What the meshes' latency histograms share: Envoy's default bucket bounds (Istio's and OSM's
// sidecars keep them), and reading an `le` label.

/**
 * Envoy's default histogram bounds (ms), source/common/stats/histogram_impl.cc defaultBuckets(),
 * and +Inf: the bounds of Istio's `istio_request_duration_milliseconds` (as the real Istio 1.7.1
 * page has them) and of Envoy's `upstream_rq_time`.
 */
export const ENVOY_DEFAULT_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000, Number.POSITIVE_INFINITY,
];

/** An `le` label's bound, +Inf included; null when it is no number. */
export function parseBound(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
