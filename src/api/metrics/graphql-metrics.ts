// What the GraphQL limits refused, so a limit that bites shows on a dashboard and not only in
// the one client that got the error.
import type { Registry } from 'prom-client';
import type { RefusalTally } from '../graphql/index.js';
import { stateCounter } from './state-metrics.js';

export function registerGraphQLMetrics(registry: Registry, refusals: RefusalTally): void {
  stateCounter(registry, {
    name: 'splitstat_graphql_refusals_total',
    help: 'GraphQL requests refused by a limit: tokens, depth, aliases, cost (before running), answer-size (more splits and backends than --graphql-max-items) and timeout.',
    labelNames: ['limit'],
    collect(emit) {
      for (const [limit, count] of refusals.entries()) emit({ limit }, count);
    },
  });
}
