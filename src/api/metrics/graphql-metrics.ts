// What the GraphQL limits refused, so a limit that bites shows on a dashboard and not only in
// the one client that got the error; and how long queries took.
import type { Registry } from 'prom-client';
import { QUERY_DURATION_BOUNDS } from '../graphql/index.js';
import type { QueryTimings, RefusalTally } from '../graphql/index.js';
import { snapshotHistogram } from './snapshot-histogram.js';
import { stateCounter } from './state-metrics.js';

const BOUNDS = [...QUERY_DURATION_BOUNDS.map(String), '+Inf'];

export function registerGraphQLMetrics(registry: Registry, { refusals, queryTimings }: { refusals: RefusalTally; queryTimings: QueryTimings }): void {
  stateCounter(registry, {
    name: 'splitstat_graphql_refusals_total',
    help: 'GraphQL requests refused by a limit: tokens, depth, aliases, cost (before running), answer-size (more splits and backends than --graphql-max-items) and timeout.',
    labelNames: ['limit'],
    collect(emit) {
      for (const [limit, count] of refusals.entries()) emit({ limit }, count);
    },
  });
  snapshotHistogram(registry, {
    name: 'splitstat_graphql_query_duration_seconds',
    help: 'How long GraphQL queries took to execute, timed-out ones included (subscriptions, and queries refused before running, are not counted).',
    bounds: BOUNDS,
    series: () => {
      const { buckets, sum } = queryTimings.snapshot();
      return [{ labels: {}, buckets, sum }];
    },
  });
}
