// prom-client's standard process and Node.js runtime metrics, under their usual names (no prefix)
// so stock dashboards for Node services work unchanged.
import { collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * Gauges prom-client names with a `_total` suffix, which promises a counter: rate() over them is
 * nonsense, and `promtool check metrics` rejects them. Each one is only the sum over its per-type
 * gauge without the suffix (nodejs_active_handles{type}, …), so dropping them loses nothing.
 */
export const DROPPED_DEFAULT_METRICS: readonly string[] = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function registerDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
}
