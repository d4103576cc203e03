// The PromQL the dashboards and the rules share, on splitstat's metric contract (README "Metrics").
// Every expression sums over splitstat instances: sharded collectors each export part of a split's
// counters (README "Sharding"), so counters are summed, and gauges every instance exports alike
// (weights) are taken once with max.

/** splitstat's families, as the dashboards and rules read them. */
export const METRIC = {
  info: 'trafficsplit_info',
  weight: 'trafficsplit_backend_weight',
  weightRatio: 'trafficsplit_backend_weight_ratio',
  responses: 'trafficsplit_backend_responses_total',
  latencyBucket: 'trafficsplit_backend_response_latency_seconds_bucket',
  issues: 'splitstat_trafficsplit_issues',
} as const;

/** The labels naming one split: a TrafficSplit and an HTTPRoute may share a name, hence `kind`. */
export const SPLIT = ['namespace', 'trafficsplit', 'kind', 'apex'] as const;
/** One backend of one split. */
export const SPLIT_BACKEND = [...SPLIT, 'backend'] as const;

export function by(labels: readonly string[]): string {
  return `by (${labels.join(', ')})`;
}

export function on(labels: readonly string[]): string {
  return `on (${labels.join(', ')})`;
}

/** `name{a="x", b=~"y"}` from matchers written as PromQL (`namespace="$namespace"`). */
export function selector(name: string, matchers: readonly string[]): string {
  return matchers.length === 0 ? name : `${name}{${matchers.join(', ')}}`;
}
