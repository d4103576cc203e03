// The kinds of Kubernetes object that are splits. Each kind says where a cluster serves it and how
// one object becomes the split model. Manifest files read every kind listed in SPLIT_KINDS; the
// cluster source reads the kind it is given. A new kind is a normaliser plus one line here.
import { KNOWN_SPLIT_VERSIONS, normalizeTrafficSplit, SPLIT_API_GROUP } from './normalize.js';
import type { NormalizeOptions, NormalizeResult } from './normalize.js';

export interface SplitKind {
  /** The object's `kind` (`TrafficSplit`). */
  readonly kind: string;
  readonly group: string;
  /** The resource name in API paths (`trafficsplits`). */
  readonly plural: string;
  /** Versions this reader understands, oldest first; the newest one a cluster serves is watched. */
  readonly versions: readonly string[];
  /** One decoded object → the split model, or why it is not one (never throws). */
  normalize(object: unknown, options?: NormalizeOptions): NormalizeResult;
}

export const TRAFFIC_SPLIT: SplitKind = {
  kind: 'TrafficSplit',
  group: SPLIT_API_GROUP,
  plural: 'trafficsplits',
  versions: KNOWN_SPLIT_VERSIONS,
  normalize: normalizeTrafficSplit,
};

/** Every kind splitstat reads. */
export const SPLIT_KINDS: readonly SplitKind[] = [TRAFFIC_SPLIT];

/** The split kind an object claims to be, by its `kind` alone: its apiVersion is the normaliser's to check. */
export function splitKindOf(object: Readonly<Record<string, unknown>>): SplitKind | undefined {
  return SPLIT_KINDS.find((candidate) => candidate.kind === object.kind);
}
