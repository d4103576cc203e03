// The one TrafficSplit model every stage works with, whatever SMI version it arrived in.
import type { Quantity } from './quantity.js';

/** A problem found in a TrafficSplit. Problems are reported, never thrown: the split is still shown. */
export interface SplitIssue {
  readonly code: SplitIssueCode;
  readonly message: string;
  /** The backend service the problem is about, when it is about one. */
  readonly backend?: string;
}

export type SplitIssueCode =
  | 'missing-apex'
  | 'no-backends'
  | 'missing-backend-service'
  | 'missing-weight'
  | 'invalid-weight'
  | 'negative-weight'
  /** A weight Kubernetes holds as something else (rounded up to 1n, capped at 2^63-1, beyond int64). */
  | 'weight-out-of-range'
  | 'all-zero-weights'
  | 'duplicate-backend'
  | 'backend-is-apex'
  | 'unknown-version'
  /** A namespace, name or service that no Kubernetes cluster would accept (`../x`, spaces). */
  | 'invalid-name'
  /** HTTPRoute: a parentRef to a Service of another namespace (a consumer route); it is not read. */
  | 'cross-namespace-parent'
  /** HTTPRoute: a backendRef that is not a Service of the route's namespace; it is not measured. */
  | 'unsupported-backend'
  /** HTTPRoute: several rules send traffic; the proxy does not tell them apart (see normalize-httproute.ts). */
  | 'several-rules'
  /** Not a fault of the split itself: another split lists the same backend (shared-backends.ts). */
  | 'shared-backend';

export interface SplitBackend {
  readonly service: string;
  /** The weight exactly as a decimal; null when it did not parse. */
  readonly weight: Quantity | null;
  /** Canonical Quantity string (`900m`, `1k`), or the raw text when the weight did not parse. */
  readonly weightString: string;
  /** The weight as a number (`900m` → 0.9); null when it did not parse. */
  readonly weightValue: number | null;
  /** weight / Σ weights of the split's valid backends, 0..1; null when no share can be computed. */
  readonly weightRatio: number | null;
}

export interface SplitMatch {
  readonly kind: string;
  readonly name: string;
}

/** Codes that describe how a split is read rather than a fault of it: they do not make it invalid. */
const NOTE_CODES: ReadonlySet<SplitIssueCode> = new Set<SplitIssueCode>(['shared-backend', 'several-rules']);

export function isNoteCode(code: SplitIssueCode): boolean {
  return NOTE_CODES.has(code);
}

/** What a split was read from: an SMI TrafficSplit, or a weighted HTTPRoute attached to a Service. */
export type SplitKindName = 'TrafficSplit' | 'HTTPRoute';

/** The HTTPRoute an HTTPRoute split comes from, as the proxy's `route_group`/`route_name` labels name it. */
export interface SplitRoute {
  readonly group: string;
  readonly name: string;
}

export interface TrafficSplit {
  /** Unique within a cluster: `namespace/name` for a TrafficSplit, see splitKey() for the others. */
  readonly key: string;
  readonly kind: SplitKindName;
  readonly namespace: string;
  readonly name: string;
  /** e.g. `split.smi-spec.io/v1alpha2`, `gateway.networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** For an HTTPRoute split, the route whose traffic it measures; undefined for a TrafficSplit. */
  readonly route?: SplitRoute | undefined;
  /** The apex (root) service; empty string when missing (reported as an issue). */
  readonly apex: string;
  /** One entry per distinct backend service, in first-seen order; a repeated service keeps its later weight. */
  readonly backends: readonly SplitBackend[];
  readonly matches: readonly SplitMatch[];
  readonly labels: Readonly<Record<string, string>>;
  readonly issues: readonly SplitIssue[];
}

/**
 * `namespace/name` for a TrafficSplit (what `stat ts` and earlier releases used); other kinds add
 * the kind and API group after a colon, which no Kubernetes name contains, so that a TrafficSplit
 * and HTTPRoutes of both groups may share a name.
 */
export function splitKey(namespace: string, name: string, kind: SplitKindName = 'TrafficSplit', group = ''): string {
  return kind === 'TrafficSplit' ? `${namespace}/${name}` : `${namespace}/${name}:${kind}.${group}`;
}

/** The API group of an apiVersion (`gateway.networking.k8s.io/v1` → `gateway.networking.k8s.io`; `v1` → ``). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
