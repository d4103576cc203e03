// The GraphQL API: loadGraphQL() loads the yoga server's module (graphql-yoga, graphql-js and the
// protections: about 25 MiB resident), so a process that is never asked a GraphQL query, such as
// a sharded collector, never holds it. createGraphQL(ctx, options) then builds the server, which
// mounts on express as `app.use(GRAPHQL_ENDPOINT, yoga)` (see GraphQLServer for why that path).
import type * as CreateGraphQLModule from './create-graphql.js';

export type { GraphQLOptions, GraphQLServer } from './create-graphql.js';
export { GRAPHQL_ENDPOINT } from './endpoint.js';
export { DEFAULT_QUERY } from './graphiql.js';
export { QUERY_DURATION_BOUNDS, QueryTimings } from './query-timings.js';
export { GRAPHQL_LIMITS, RefusalTally } from './refusal-tally.js';

export type GraphQLModule = typeof CreateGraphQLModule;

export function loadGraphQL(): Promise<GraphQLModule> {
  return import('./create-graphql.js');
}
