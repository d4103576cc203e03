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
  | 'all-zero-weights'
  | 'duplicate-backend'
  | 'backend-is-apex'
  | 'unknown-version'
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

export interface TrafficSplit {
  /** `namespace/name`: unique within a cluster. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** e.g. `split.smi-spec.io/v1alpha2`. */
  readonly apiVersion: string;
  /** The apex (root) service; empty string when missing (reported as an issue). */
  readonly apex: string;
  /** One entry per distinct backend service, in first-seen order; a repeated service keeps its later weight. */
  readonly backends: readonly SplitBackend[];
  readonly matches: readonly SplitMatch[];
  readonly labels: Readonly<Record<string, string>>;
  readonly issues: readonly SplitIssue[];
}

export function splitKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
