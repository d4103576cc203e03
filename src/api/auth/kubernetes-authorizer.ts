// --auth kubernetes: the caller's own Kubernetes identity and RBAC decide, as they would for
// `kubectl get trafficsplits`. A token is checked with a TokenReview, then a SubjectAccessReview
// per namespace asks whether that user may list TrafficSplits there. A user allowed
// cluster-wide is recognised with a single review. Answers are cached briefly (see TtlCache):
// tokens by a digest of the token, decisions by a digest of the identity.
import type { Authentication, Authorizer, HeaderSource, NamespaceGrant, Principal } from './authorizer.js';
import { readBearerToken } from './bearer-token.js';
import { mapConcurrently } from './concurrency.js';
import { hashKey } from './hash-key.js';
import type { KubeReviews, ReviewedUser } from './kube-reviews.js';
import { TtlCache } from './ttl-cache.js';

const METRICS_PATH = '/metrics';

export interface KubernetesAuthorizerOptions {
  /** How long a TokenReview or SubjectAccessReview answer is reused. */
  readonly cacheTtlMs?: number;
  /** Per cache (tokens; decisions): a flood of distinct tokens cannot grow memory without bound. */
  readonly cacheMaxEntries?: number;
  /** SubjectAccessReviews in flight at once for one request. */
  readonly maxConcurrentReviews?: number;
  readonly now?: () => number;
}

export class KubernetesAuthorizer implements Authorizer {
  readonly mode = 'kubernetes';
  readonly #reviews: KubeReviews;
  readonly #users: TtlCache<ReviewedUser | null>;
  readonly #decisions: TtlCache<boolean>;
  readonly #maxConcurrentReviews: number;

  constructor(
    reviews: KubeReviews,
    { cacheTtlMs = 30_000, cacheMaxEntries = 10_000, maxConcurrentReviews = 8, now = Date.now }: KubernetesAuthorizerOptions = {},
  ) {
    this.#reviews = reviews;
    this.#users = new TtlCache({ ttlMs: cacheTtlMs, maxEntries: cacheMaxEntries, now });
    this.#decisions = new TtlCache({ ttlMs: cacheTtlMs, maxEntries: cacheMaxEntries, now });
    this.#maxConcurrentReviews = maxConcurrentReviews;
  }

  async authenticate(headers: HeaderSource): Promise<Authentication> {
    const credential = readBearerToken(headers.get('authorization'));
    if (credential.kind === 'missing') return { ok: false, failure: 'missing', message: 'missing bearer token' };
    if (credential.kind === 'malformed') return { ok: false, failure: 'malformed', message: credential.message };
    const { token } = credential;
    // Refusals are cached too: a client retrying a bad token must not hammer the API server.
    const user = await this.#users.get(hashKey(token), () => this.#reviews.reviewToken(token));
    if (user === null) return { ok: false, failure: 'invalid', message: 'invalid or expired bearer token' };
    return { ok: true, principal: { name: user.username, uid: user.uid, groups: user.groups, extra: user.extra } };
  }

  async allowedNamespaces(principal: Principal, candidates: readonly string[]): Promise<NamespaceGrant> {
    const user: ReviewedUser = { username: principal.name, uid: principal.uid, groups: principal.groups, extra: principal.extra };
    const identity = identityKey(user);
    if (await this.#mayList(identity, user, undefined)) return 'all';
    const namespaces = [...new Set(candidates)].filter((namespace) => namespace !== '');
    const allowed = await mapConcurrently(namespaces, this.#maxConcurrentReviews, (namespace) => this.#mayList(identity, user, namespace));
    return new Set(namespaces.filter((_, index) => allowed[index] === true));
  }

  /** Like kube-rbac-proxy: `get` on the non-resource URL /metrics (Prometheus' usual ClusterRole has it). */
  mayReadMetrics(principal: Principal): Promise<boolean> {
    const user: ReviewedUser = { username: principal.name, uid: principal.uid, groups: principal.groups, extra: principal.extra };
    // "/metrics" is no namespace name either: no collision with the list decisions.
    return this.#decisions.get(`${identityKey(user)}\n${METRICS_PATH}`, () => this.#reviews.canGetNonResourceUrl(user, METRICS_PATH));
  }

  #mayList(identity: string, user: ReviewedUser, namespace: string | undefined): Promise<boolean> {
    // "*" is no namespace name, so the cluster-wide decision never collides with a namespace's.
    return this.#decisions.get(`${identity}\n${namespace ?? '*'}`, () => this.#reviews.canListTrafficSplits(user, namespace));
  }
}

/** Everything RBAC may decide on: the same user with other groups is another identity. */
function identityKey({ username, uid, groups, extra }: ReviewedUser): string {
  const sortedExtra = Object.entries(extra ?? {})
    .map(([key, values]) => [key, [...values].sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return hashKey(JSON.stringify([username, uid ?? '', [...groups].sort(), sortedExtra]));
}
