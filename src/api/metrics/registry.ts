// The /metrics registry: every family of the metrics contract (DESIGN.md, "Prometheus metrics"),
// produced from the service's state at scrape time, plus the process's runtime metrics.
import { Registry } from 'prom-client';
import type { ServiceContext } from '../context.js';
import type { QueryTimings, RefusalTally } from '../graphql/index.js';
import { registerDefaultMetrics } from './default-metrics.js';
import { registerGraphQLMetrics } from './graphql-metrics.js';
import { registerHistoryMetrics, registerScrapeMetrics } from './scrape-metrics.js';
import { registerSelfMetrics } from './self-metrics.js';
import { registerSplitFamilies } from './split-families.js';
import { registerTrafficFamilies } from './traffic-families.js';

export interface MetricsRegistryOptions {
  /** Window of trafficsplit_backend_observed_ratio. Default one minute, the `stat ts` default. */
  readonly observedWindowMs?: number;
  /** Include prom-client's process and Node.js metrics. Default true. */
  readonly collectDefaultMetrics?: boolean;
  /**
   * GraphQL refusals by limit (splitstat_graphql_refusals_total) and query durations
   * (splitstat_graphql_query_duration_seconds); absent where no GraphQL is served.
   */
  readonly graphql?: { readonly refusals: RefusalTally; readonly queryTimings: QueryTimings };
}

/**
 * Builds a registry over `ctx`. Nothing is copied at creation: each scrape reads the current
 * splits, traffic and engine state. With an engine, a cycle listener is added for the scrape
 * duration histogram; it lives as long as the engine, so build one registry per service.
 */
export function createMetricsRegistry(ctx: ServiceContext, { observedWindowMs = 60_000, collectDefaultMetrics = true, graphql }: MetricsRegistryOptions = {}): Registry {
  if (!(Number.isFinite(observedWindowMs) && observedWindowMs > 0)) {
    throw new RangeError(`observedWindowMs must be a positive number of milliseconds, not ${observedWindowMs}`);
  }
  const registry = new Registry();
  registerSplitFamilies(registry, ctx.store);
  // Traffic and scrape families exist only where this process collects traffic itself (scrape
  // mode); a prometheus-mode replica has none to report, rather than misleading zeros.
  if (ctx.window !== undefined) registerTrafficFamilies(registry, { store: ctx.store, window: ctx.window, observedWindowMs });
  registerSelfMetrics(registry, ctx);
  if (graphql !== undefined) registerGraphQLMetrics(registry, graphql);
  if (ctx.engine !== undefined) registerScrapeMetrics(registry, ctx.engine, ctx.info.scrapeIntervalMs);
  if (ctx.window !== undefined) registerHistoryMetrics(registry, ctx.window);
  if (collectDefaultMetrics) registerDefaultMetrics(registry);
  return registry;
}
