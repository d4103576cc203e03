// The /metrics surface: a prom-client registry whose families are regenerated from the service's
// state at every scrape, and the express handler that serves it.
export { createMetricsRegistry } from './registry.js';
export type { MetricsRegistryOptions } from './registry.js';
export { metricsHandler } from './handler.js';
export type { MetricsHandlerOptions } from './handler.js';
export { SCRAPE_FAILURE_REASONS } from './scrape-metrics.js';
