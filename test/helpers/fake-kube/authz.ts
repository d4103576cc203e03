// TokenReview and SubjectAccessReview as a Kubernetes API server answers them, from a table the
// test controls: tokens → users (and groups), users or groups → namespaces where they may list
// TrafficSplits (or the whole cluster). Every review is recorded, so tests can count them.
//
// The handlers are plain functions (body in, review out); installAuthz hangs them off the fake
// API server's route hook, behind its bearer-token check like every other request.
import { readJsonBody, sendJson, sendStatus, statusObject } from './http.js';
import type { FakeKubeServer } from './server.js';

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';
export const SUBJECT_ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

export interface FakeUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
}

/** Namespaces a subject may list TrafficSplits in; 'cluster' for every namespace. */
export type FakeGrant = 'cluster' | readonly string[];

export interface RecordedReview {
  readonly kind: 'TokenReview' | 'SubjectAccessReview';
  /** TokenReview: the username it resolved to (undefined when refused); SAR: the user asked about. */
  readonly user: string | undefined;
  /** SAR only: the namespace ("" cluster-wide) and the attributes asked about. */
  readonly namespace?: string;
  readonly verb?: string;
  readonly group?: string;
  readonly resource?: string;
}

export interface RouteAnswer {
  readonly status: number;
  readonly body: object;
}

export class FakeAuthz {
  /** token → user */
  readonly tokens = new Map<string, FakeUser>();
  /** username, or "group:<name>" → grant */
  readonly grants = new Map<string, FakeGrant>();
  readonly reviews: RecordedReview[] = [];
  /** When set, every review answers this HTTP status (500: the API server is failing; 403: splitstat lacks RBAC). */
  failWith: number | undefined;

  count(kind: RecordedReview['kind']): number {
    return this.reviews.filter((review) => review.kind === kind).length;
  }

  /** Answers a review POST, or undefined for any other request (for a route hook). */
  route(method: string, path: string, body: unknown): RouteAnswer | undefined {
    const pathname = path.split('?')[0];
    if (method !== 'POST' || (pathname !== TOKEN_REVIEW_PATH && pathname !== SUBJECT_ACCESS_REVIEW_PATH)) return undefined;
    if (this.failWith !== undefined) return { status: this.failWith, body: statusObject(this.failWith, 'injected failure') };
    if (!isRecord(body) || !isRecord(body['spec'])) return { status: 400, body: statusObject(400, 'spec is required') };
    return { status: 201, body: pathname === TOKEN_REVIEW_PATH ? this.tokenReview(body) : this.subjectAccessReview(body) };
  }

  tokenReview(body: unknown): object {
    const spec = isRecord(body) && isRecord(body['spec']) ? body['spec'] : {};
    const token = typeof spec['token'] === 'string' ? spec['token'] : '';
    const user = this.tokens.get(token);
    this.reviews.push({ kind: 'TokenReview', user: user?.username });
    const reviewStatus =
      user === undefined
        ? { authenticated: false, error: 'invalid bearer token' }
        : {
            authenticated: true,
            user: { username: user.username, uid: user.uid ?? `uid-${user.username}`, groups: [...(user.groups ?? []), 'system:authenticated'] },
          };
    return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec, status: reviewStatus };
  }

  subjectAccessReview(body: unknown): object {
    const spec = isRecord(body) && isRecord(body['spec']) ? body['spec'] : {};
    const attributes = isRecord(spec['resourceAttributes']) ? spec['resourceAttributes'] : {};
    const user = typeof spec['user'] === 'string' ? spec['user'] : undefined;
    const groups = Array.isArray(spec['groups']) ? spec['groups'].filter((group): group is string => typeof group === 'string') : [];
    const namespace = typeof attributes['namespace'] === 'string' ? attributes['namespace'] : '';
    const review: RecordedReview = {
      kind: 'SubjectAccessReview',
      user,
      namespace,
      verb: stringOr(attributes['verb']),
      group: stringOr(attributes['group']),
      resource: stringOr(attributes['resource']),
    };
    this.reviews.push(review);
    const asksListTrafficSplits = review.verb === 'list' && review.group === 'split.smi-spec.io' && review.resource === 'trafficsplits';
    const subjects = [...(user === undefined ? [] : [user]), ...groups.map((group) => `group:${group}`)];
    const allowed =
      asksListTrafficSplits &&
      subjects.some((subject) => {
        const grant = this.grants.get(subject);
        return grant === 'cluster' || (grant !== undefined && namespace !== '' && grant.includes(namespace));
      });
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec,
      status: allowed ? { allowed: true, reason: 'fake RBAC' } : { allowed: false },
    };
  }
}

/** Answers TokenReviews and SubjectAccessReviews on the fake API server from `authz`'s table. */
export function installAuthz(kube: Pick<FakeKubeServer, 'route'>, authz: FakeAuthz): void {
  for (const path of [TOKEN_REVIEW_PATH, SUBJECT_ACCESS_REVIEW_PATH]) {
    kube.route('POST', new RegExp(`^${path.replace(/[.]/g, '\\.')}$`), async (req, res, _match, url) => {
      const answer = authz.route('POST', url.pathname, await readJsonBody(req));
      if (answer === undefined) sendStatus(res, 404, 'the server could not find the requested resource');
      else sendJson(res, answer.status, answer.body);
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
