// The two questions --auth kubernetes asks the API server, with @kubernetes/client-node:
// "whose token is this?" (TokenReview) and "may they list TrafficSplits here?"
// (SubjectAccessReview). splitstat's service account needs `create` on both (deploy/
// auth-kubernetes, the same rules as the built-in ClusterRole system:auth-delegator). Any failure to get an answer is an
// AuthUnavailableError: a caller must never be let in, or turned away, because of an outage.
import { ApiException, AuthenticationV1Api, AuthorizationV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { AuthUnavailableError } from './auth-errors.js';

/** What the API server says a token belongs to. */
export interface ReviewedUser {
  readonly username: string;
  readonly uid?: string | undefined;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

export interface KubeReviews {
  /** The token's user, or null when the API server does not accept the token. */
  reviewToken(token: string): Promise<ReviewedUser | null>;
  /** May `user` list trafficsplits.split.smi-spec.io in `namespace` (undefined: cluster-wide)? */
  canListTrafficSplits(user: ReviewedUser, namespace: string | undefined): Promise<boolean>;
  /** May `user` get the non-resource URL `path` (as kube-rbac-proxy asks for a scraper of /metrics)? */
  canGetNonResourceUrl(user: ReviewedUser, path: string): Promise<boolean>;
}

export const TRAFFIC_SPLIT_GROUP = 'split.smi-spec.io';
export const TRAFFIC_SPLIT_RESOURCE = 'trafficsplits';

export interface KubeReviewsOptions {
  /** Bounds each review; the API server is on the path of every request. */
  readonly timeoutMs?: number;
  /** Token audiences the TokenReview requires (default: the API server's own). */
  readonly audiences?: readonly string[] | undefined;
}

export function createKubeReviews(kubeConfig: KubeConfig, { timeoutMs = 5000, audiences }: KubeReviewsOptions = {}): KubeReviews {
  const authentication = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  return {
    async reviewToken(token) {
      const review = await ask('tokenreviews', timeoutMs, () =>
        authentication.createTokenReview({
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            spec: { token, ...(audiences === undefined ? {} : { audiences: [...audiences] }) },
          },
        }),
      );
      const { status } = review;
      const username = status?.user?.username;
      if (status?.authenticated !== true || username === undefined || username === '') return null;
      return { username, uid: status.user?.uid, groups: status.user?.groups ?? [], extra: status.user?.extra };
    },

    async canListTrafficSplits(user, namespace) {
      const review = await ask('subjectaccessreviews', timeoutMs, () =>
        authorization.createSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              ...subject(user),
              // An empty namespace asks about every namespace at once (a ClusterRoleBinding).
              resourceAttributes: { verb: 'list', group: TRAFFIC_SPLIT_GROUP, resource: TRAFFIC_SPLIT_RESOURCE, namespace: namespace ?? '' },
            },
          },
        }),
      );
      return review.status?.allowed === true;
    },

    async canGetNonResourceUrl(user, path) {
      const review = await ask('subjectaccessreviews', timeoutMs, () =>
        authorization.createSubjectAccessReview({
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { ...subject(user), nonResourceAttributes: { verb: 'get', path } } },
        }),
      );
      return review.status?.allowed === true;
    },
  };
}

/** The reviewed user as a SubjectAccessReview names it. */
function subject(user: ReviewedUser): { user: string; groups: string[]; uid?: string; extra?: Record<string, string[]> } {
  return {
    user: user.username,
    groups: [...user.groups],
    ...(user.uid === undefined || user.uid === '' ? {} : { uid: user.uid }),
    ...(user.extra === undefined ? {} : { extra: Object.fromEntries(Object.entries(user.extra).map(([key, values]) => [key, [...values]])) }),
  };
}

/** One review, bounded in time, its failures turned into AuthUnavailableErrors that say why. */
async function ask<T>(resource: string, timeoutMs: number, request: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuthUnavailableError(`creating ${resource}: no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  });
  try {
    // The request has no abort signal in this client: a late answer is dropped.
    return await Promise.race([request(), timeout]);
  } catch (error) {
    if (error instanceof AuthUnavailableError) throw error;
    throw new AuthUnavailableError(`creating ${resource}: ${reason(resource, error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function reason(resource: string, error: unknown): string {
  if (error instanceof ApiException) {
    const code = (error as ApiException<unknown>).code;
    if (code === 401) return 'the API server refused splitstat\'s own credentials (401)';
    if (code === 403) {
      return `splitstat's service account may not create ${resource} (403): grant it create on tokenreviews and subjectaccessreviews (deploy/auth-kubernetes, or the ClusterRole system:auth-delegator)`;
    }
    return `the API server answered ${code}`;
  }
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? `${cause.code} ${cause.message}` : cause.message;
  return String(cause);
}
