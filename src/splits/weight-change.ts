// A store change as a WeightChange event, or null when routing did not change: relabelling a
// split or touching its metadata must not wake every dashboard watching weights.
import type { SplitBackend } from './model.js';
import type { SplitChange } from './store.js';

export interface BackendWeight {
  readonly service: string;
  readonly weight: string;
  readonly weightRatio: number | null;
}

export interface WeightChange {
  readonly namespace: string;
  readonly name: string;
  /** RFC 3339. */
  readonly at: string;
  readonly kind: 'created' | 'updated' | 'deleted';
  /** Which kind of split changed (`kind` is the kind of change, named before HTTPRoute splits). */
  readonly splitKind: 'TrafficSplit' | 'HTTPRoute';
  readonly before: readonly BackendWeight[];
  readonly after: readonly BackendWeight[];
}

export function weightChange(change: SplitChange, nowMs: number): WeightChange | null {
  const { split } = change;
  const at = new Date(nowMs).toISOString();
  const base = { namespace: split.namespace, name: split.name, at, splitKind: split.kind };
  if (change.type === 'delete') return { ...base, kind: 'deleted', before: weights(split.backends), after: [] };
  const { previous } = change;
  if (previous === undefined) return { ...base, kind: 'created', before: [], after: weights(split.backends) };
  if (sameWeights(previous.backends, split.backends)) return null;
  return { ...base, kind: 'updated', before: weights(previous.backends), after: weights(split.backends) };
}

function weights(backends: readonly SplitBackend[]): BackendWeight[] {
  return backends.map(({ service, weightString, weightRatio }) => ({ service, weight: weightString, weightRatio }));
}

// By service, not position: listing the same backends in another order routes the same traffic.
// Canonical weight strings, so `0.9` rewritten as `900m` is no change either.
function sameWeights(a: readonly SplitBackend[], b: readonly SplitBackend[]): boolean {
  if (a.length !== b.length) return false;
  const before = new Map(a.map((backend) => [backend.service, backend.weightString]));
  return b.every((backend) => before.get(backend.service) === backend.weightString);
}
