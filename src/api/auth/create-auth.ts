// The factory `serve` calls: --auth, --auth-tokens-file and --metrics-auth in, and out the three
// pieces the HTTP server mounts (the authorizer itself, the GraphQL context factory and the
// /metrics guard). Configuration mistakes are AuthConfigErrors naming the flag to fix.
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestHandler } from 'express';
import { AuthConfigError } from './auth-errors.js';
import type { AuthMode, Authorizer } from './authorizer.js';
import { graphqlAuth } from './graphql-context.js';
import type { GraphQLAuth } from './graphql-context.js';
import type { KubeReviews } from './kube-reviews.js';
import { KubernetesAuthorizer } from './kubernetes-authorizer.js';
import { metricsGuard, OPEN_METRICS } from './metrics-guard.js';
import type { AuthLog } from './namespace-access.js';
import { NoneAuthorizer } from './none-authorizer.js';
import { ReloadingTokenAuthorizer } from './reloading-token-authorizer.js';

export const AUTH_MODES: readonly AuthMode[] = ['none', 'token', 'kubernetes'];
/** auto: protected whenever --auth is not none; token: always protected; none: open to anyone. */
export type MetricsAuthMode = 'auto' | 'none' | 'token';
export const METRICS_AUTH_MODES: readonly MetricsAuthMode[] = ['auto', 'none', 'token'];

export interface AuthConfig {
  readonly mode: AuthMode;
  /** --auth token: the YAML file of tokens (see tokens-file.ts). */
  readonly tokensFile?: string | undefined;
  /** --auth kubernetes: how to reach the API server that reviews tokens and access. */
  readonly kubeConfig?: KubeConfig | undefined;
  /** Whether /metrics needs a bearer token that may see every namespace (see metrics-guard.ts); default auto. */
  readonly metricsAuth?: MetricsAuthMode | undefined;
}

export interface AuthOptions {
  /** How long Kubernetes review answers are reused. */
  readonly cacheTtlMs?: number;
  readonly cacheMaxEntries?: number;
  /** Bounds each TokenReview and SubjectAccessReview. */
  readonly reviewTimeoutMs?: number;
  readonly maxConcurrentReviews?: number;
  /** TokenReview audiences (default: the API server's own). */
  readonly audiences?: readonly string[] | undefined;
  /** Why access could not be checked (the API server is down, …); never tokens. */
  readonly log?: AuthLog;
  readonly now?: () => number;
  /** Tests may answer reviews themselves instead of over HTTP. */
  readonly kubeReviews?: KubeReviews | undefined;
  /** --auth token: the least time between two reads of the tokens file (and its tokenFiles). */
  readonly tokensCheckIntervalMs?: number;
}

export interface Auth {
  readonly mode: AuthMode;
  readonly authorizer: Authorizer;
  /** yoga's `context` factory: `createGraphQL(ctx, { auth: auth.graphqlContext })`. */
  readonly graphqlContext: GraphQLAuth;
  /** Mount before the /metrics handler: `app.get('/metrics', auth.metricsGuard, …)`. */
  readonly metricsGuard: RequestHandler;
  /** Whether /metrics asks for a token. */
  readonly metricsProtected: boolean;
}

export async function createAuth(
  { mode, tokensFile, kubeConfig, metricsAuth = 'auto' }: AuthConfig,
  {
    cacheTtlMs = 30_000,
    cacheMaxEntries = 10_000,
    reviewTimeoutMs = 5_000,
    maxConcurrentReviews = 8,
    audiences,
    log = () => undefined,
    now = Date.now,
    kubeReviews,
    tokensCheckIntervalMs = 5_000,
  }: AuthOptions = {},
): Promise<Auth> {
  if (!AUTH_MODES.includes(mode)) throw new AuthConfigError(`--auth: ${JSON.stringify(mode)} is not one of ${AUTH_MODES.join(', ')}`);
  if (!METRICS_AUTH_MODES.includes(metricsAuth)) {
    throw new AuthConfigError(`--metrics-auth: ${JSON.stringify(metricsAuth)} is not one of ${METRICS_AUTH_MODES.join(', ')}`);
  }
  if (mode !== 'token' && tokensFile !== undefined) throw new AuthConfigError(`--auth-tokens-file is only read with --auth token (not --auth ${mode})`);
  if (mode === 'none' && metricsAuth === 'token') {
    throw new AuthConfigError('--metrics-auth token needs --auth token or --auth kubernetes: with --auth none there are no tokens to check');
  }

  let authorizer: Authorizer;
  if (mode === 'token') {
    if (tokensFile === undefined || tokensFile === '') throw new AuthConfigError('--auth token needs --auth-tokens-file <file>');
    // Rotated tokens (and tokenFiles) are read again without a restart.
    authorizer = await ReloadingTokenAuthorizer.load(tokensFile, { log, now, checkIntervalMs: tokensCheckIntervalMs });
  } else if (mode === 'kubernetes') {
    // Loaded only in this mode: it brings the Kubernetes client (about 80 MB resident).
    const reviews =
      kubeReviews ??
      (kubeConfig === undefined ? undefined : (await import('./kube-reviews.js')).createKubeReviews(kubeConfig, { timeoutMs: reviewTimeoutMs, audiences }));
    if (reviews === undefined) throw new AuthConfigError('--auth kubernetes needs a kubeconfig (in-cluster, $KUBECONFIG or ~/.kube/config)');
    authorizer = new KubernetesAuthorizer(reviews, { cacheTtlMs, cacheMaxEntries, maxConcurrentReviews, now });
  } else {
    authorizer = new NoneAuthorizer();
  }
  const metricsProtected = metricsAuth === 'token' || (metricsAuth === 'auto' && mode !== 'none');
  return {
    mode,
    authorizer,
    graphqlContext: graphqlAuth(authorizer, log),
    metricsGuard: metricsProtected ? metricsGuard(authorizer, log) : OPEN_METRICS,
    metricsProtected,
  };
}
