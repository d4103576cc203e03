// The kinds of Kubernetes object that are splits. Each kind says where a cluster serves it and how
// one object becomes the split model. Manifest files read every kind listed in SPLIT_KINDS; the
// cluster source reads the kind it is given. A new kind is a normaliser plus one line here.
import { apiGroupOf } from './model.js';
import type { SplitKindName, TrafficSplit } from './model.js';
import { KNOWN_SPLIT_VERSIONS, normalizeTrafficSplit, SPLIT_API_GROUP } from './normalize.js';
import type { NormalizeOptions } from './normalize.js';
import { GATEWAY_API_GROUP, GATEWAY_HTTPROUTE_VERSIONS, LINKERD_HTTPROUTE_VERSIONS, LINKERD_POLICY_GROUP, normalizeHttpRoute } from './normalize-httproute.js';
import type { SplitsResult } from './normalize-httproute.js';

export interface SplitKind {
  /** The object's `kind` (`TrafficSplit`, `HTTPRoute`). */
  readonly kind: SplitKindName;
  readonly group: string;
  /** The resource name in API paths (`trafficsplits`). */
  readonly plural: string;
  /** Versions this reader understands, oldest first; the newest one a cluster serves is watched. */
  readonly versions: readonly string[];
  /** One decoded object → the splits it makes (none, one, or one per parent), or why it is not usable (never throws). */
  normalize(object: unknown, options?: NormalizeOptions): SplitsResult;
}

export const TRAFFIC_SPLIT: SplitKind = {
  kind: 'TrafficSplit',
  group: SPLIT_API_GROUP,
  plural: 'trafficsplits',
  versions: KNOWN_SPLIT_VERSIONS,
  normalize(object, options) {
    const result = normalizeTrafficSplit(object, options);
    return result.ok ? { ok: true, splits: [result.split] } : result;
  },
};

export const GATEWAY_HTTP_ROUTE: SplitKind = {
  kind: 'HTTPRoute',
  group: GATEWAY_API_GROUP,
  plural: 'httproutes',
  versions: GATEWAY_HTTPROUTE_VERSIONS,
  normalize: normalizeHttpRoute,
};

/** Linkerd's own HTTPRoute (policy.linkerd.io), the same shape as Gateway API's. */
export const LINKERD_HTTP_ROUTE: SplitKind = {
  kind: 'HTTPRoute',
  group: LINKERD_POLICY_GROUP,
  plural: 'httproutes',
  versions: LINKERD_HTTPROUTE_VERSIONS,
  normalize: normalizeHttpRoute,
};

/** Every kind splitstat reads. */
export const SPLIT_KINDS: readonly SplitKind[] = [TRAFFIC_SPLIT, GATEWAY_HTTP_ROUTE, LINKERD_HTTP_ROUTE];

/** The split kind an object claims to be, by its `kind` and API group: its version is the normaliser's to check. */
export function splitKindOf(object: Readonly<Record<string, unknown>>): SplitKind | undefined {
  const group = typeof object.apiVersion === 'string' ? apiGroupOf(object.apiVersion) : undefined;
  const named = SPLIT_KINDS.filter((candidate) => candidate.kind === object.kind);
  // A TrafficSplit of a wrong group is still a TrafficSplit to report on; an HTTPRoute of an unknown group is someone else's.
  return named.find((candidate) => candidate.group === group) ?? (object.kind === 'TrafficSplit' ? named[0] : undefined);
}

/** Whether a split came from objects of this kind (what a cluster source of the kind owns in the store). */
export function isOfKind(split: TrafficSplit, kind: SplitKind): boolean {
  return split.kind === kind.kind && apiGroupOf(split.apiVersion) === kind.group;
}

/**
 * How exported series name a split's kind (the `kind` label): `TrafficSplit` or `HTTPRoute`;
 * Linkerd's own HTTPRoutes (policy.linkerd.io) say `HTTPRoute.policy.linkerd.io`, so that one of
 * each group with the same name never makes two series with the same labels.
 */
export function splitKindLabel(split: TrafficSplit): string {
  const group = apiGroupOf(split.apiVersion);
  return split.kind === 'HTTPRoute' && group !== GATEWAY_API_GROUP ? `HTTPRoute.${group}` : split.kind;
}
