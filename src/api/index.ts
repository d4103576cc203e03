// api/: the HTTP surfaces over a running service's state: the express server with /healthz and
// /readyz, /metrics, GraphQL, and the access control in front of them.
export { AuthUnavailableError, createAuth } from './auth/index.js';
export type { Auth, AuthOptions, KubeReviews } from './auth/index.js';
export type { ServiceContext } from './context.js';
export { createApp, listen } from './server.js';
export type { RunningServer } from './server.js';
export { GRAPHQL_ENDPOINT, loadGraphQL } from './graphql/index.js';
export type { GraphQLOptions, GraphQLServer } from './graphql/index.js';
export { healthHandler } from './health.js';
export { createMetricsRegistry, metricsHandler, SCRAPE_FAILURE_REASONS } from './metrics/index.js';
