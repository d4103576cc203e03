// The label sets the metrics contract promises (DESIGN.md, "Prometheus metrics"). Label objects
// are built in one fixed key order because prom-client prints labels in insertion order, and the
// exposition must be byte-stable for dashboards' diffing and for golden tests.
import { splitKindLabel } from '../../splits/index.js';
import type { TrafficSplit } from '../../splits/index.js';

export const BACKEND_LABELS = ['namespace', 'trafficsplit', 'apex', 'backend', 'kind'] as const;
export type BackendLabel = (typeof BACKEND_LABELS)[number];
export type BackendLabels = Record<BackendLabel, string>;

export function backendLabels(split: TrafficSplit, backend: string): BackendLabels {
  return { namespace: split.namespace, trafficsplit: split.name, apex: split.apex, backend, kind: splitKindLabel(split) };
}

/** A latency bucket bound in ms as the `le` of a seconds histogram: 5 → "0.005", ∞ → "+Inf". */
export function secondsBound(boundMs: number): string {
  // Dividing by 1000 rounds once, so JavaScript's shortest round-trip form prints the decimal
  // the bound was written as ("0.003", not "0.0030000000000000001").
  return boundMs === Number.POSITIVE_INFINITY ? '+Inf' : String(boundMs / 1000);
}
