// Which splits a request means: a namespace (or all), names (or all) and a label selector. The
// GraphQL API and `stat ts --prometheus` choose with this one rule, so both see the same splits in
// the same order.
import type { LabelSelector } from './label-selector.js';
import type { SplitKindName, TrafficSplit } from './model.js';
import type { SplitStore } from './store.js';

export interface SplitFilter {
  /** Null, undefined or "" (Kubernetes' "all namespaces"): every namespace. */
  readonly namespace?: string | null | undefined;
  /** Null, undefined or empty: every name. */
  readonly names?: readonly string[] | null | undefined;
  readonly selector?: LabelSelector | undefined;
  /** Only splits of this kind; every kind when unset. */
  readonly kind?: SplitKindName | undefined;
}

/** The splits the filter keeps, sorted by namespace, then name, then key (a TrafficSplit before HTTPRoutes of its name). */
export function selectSplits(store: SplitStore, { namespace, names, selector, kind }: SplitFilter): TrafficSplit[] {
  const wanted = names == null || names.length === 0 ? undefined : new Set(names);
  return store
    .list()
    .filter(
      (split) =>
        (namespace == null || namespace === '' || split.namespace === namespace) &&
        // An HTTPRoute attached to several Services is asked for by the route's own name too.
        (wanted === undefined || wanted.has(split.name) || (split.route !== undefined && wanted.has(split.route.name))) &&
        (selector === undefined || selector.matches(split.labels)) &&
        (kind === undefined || split.kind === kind),
    )
    .sort(byNamespaceThenName);
}

// The store sorts by `namespace/name`, which is not the same order: "a-b/x" < "a/x" because
// "-" sorts before "/", while namespace "a" sorts before "a-b".
function byNamespaceThenName(a: TrafficSplit, b: TrafficSplit): number {
  return compare(a.namespace, b.namespace) || compare(a.name, b.name) || compare(a.key, b.key);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
