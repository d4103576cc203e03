// Access control for the HTTP surfaces (--auth none|token|kubernetes): createAuth(config,
// options) builds the authorizer, yoga's context factory and the /metrics guard. Resolvers read
// the caller's NamespaceAccess from the GraphQL context (AuthContext).
export { createAuth, AUTH_MODES, METRICS_AUTH_MODES } from './create-auth.js';
export type { Auth, AuthConfig, AuthOptions, MetricsAuthMode } from './create-auth.js';
export type { AuthFailure, Authentication, AuthMode, Authorizer, HeaderSource, NamespaceGrant, Principal } from './authorizer.js';
export { AccessError, AuthConfigError, AuthUnavailableError, FORBIDDEN, UNAUTHENTICATED, UNAVAILABLE } from './auth-errors.js';
export { graphqlAuth, OPEN_GRAPHQL_AUTH } from './graphql-context.js';
export type { GraphQLAuth } from './graphql-context.js';
export { NamespaceAccess } from './namespace-access.js';
export type { AuthContext, AuthLog } from './namespace-access.js';
export { metricsGuard, OPEN_METRICS } from './metrics-guard.js';
export { TokensFileError, loadTokensFile, MIN_TOKEN_LENGTH } from './tokens-file.js';
export type { TokenEntry } from './tokens-file.js';
export type { KubeReviews, ReviewedUser } from './kube-reviews.js';
