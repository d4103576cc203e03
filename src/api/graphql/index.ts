// The GraphQL API: createGraphQL(ctx, options) builds the yoga server, which mounts on express
// as `app.use(yoga.graphqlEndpoint, yoga)` (see GraphQLServer for why that path).
export { createGraphQL, GRAPHQL_ENDPOINT } from './create-graphql.js';
export type { GraphQLOptions, GraphQLServer } from './create-graphql.js';
export { DEFAULT_QUERY } from './graphiql.js';
export { QUERY_DURATION_BOUNDS, QueryTimings } from './query-timings.js';
export { GRAPHQL_LIMITS, RefusalTally } from './refusal-tally.js';
