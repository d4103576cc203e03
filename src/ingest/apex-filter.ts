// Scrape mode keeps only traffic to apexes that have a split, so memory follows the number of
// splits, not the size of the mesh. History for a split starts when it first appears. Proxies that
// name only the leaf a request went to (Linkerd 2.13+) are attributed through the splits listing
// that leaf (the scrape engine narrows them to the apexes the client's page says it calls). Only
// TrafficSplits take such traffic: an HTTPRoute split counts what the proxy says its route sent.
import type { SplitStore } from '../splits/index.js';
import type { TrafficEdge } from '../mesh/index.js';
import { apexKey, splitApexKey } from '../mesh/index.js';

export interface SplitTrafficFilter {
  readonly keepEdge: (edge: TrafficEdge) => boolean;
  /** The edges a leaf-only series stands for: one per apex whose split lists the leaf. */
  readonly edgesOfLeaf: (namespace: string, leaf: string) => readonly TrafficEdge[];
  readonly dispose: () => void;
}

const NONE: readonly TrafficEdge[] = [];

export function splitApexFilter(store: SplitStore): SplitTrafficFilter {
  let apexes = new Set<string>();
  let leaves = new Map<string, TrafficEdge[]>();
  const refresh = (): void => {
    apexes = new Set();
    leaves = new Map();
    for (const split of store.list()) {
      // A split without an apex routes nothing: its backends' traffic is not its own.
      if (split.apex === '') continue;
      apexes.add(splitApexKey(split));
      if (split.kind !== 'TrafficSplit') continue;
      for (const backend of split.backends) {
        const leafKey = apexKey(split.namespace, backend.service);
        const edges = leaves.get(leafKey) ?? [];
        // Two splits on one apex both listing the leaf are still one edge.
        if (!edges.some((edge) => edge.apex === split.apex)) edges.push({ apexNamespace: split.namespace, apex: split.apex, leaf: backend.service });
        leaves.set(leafKey, edges);
      }
    }
  };
  refresh();
  const dispose = store.onChange(refresh);
  return {
    keepEdge: (edge) => apexes.has(apexKey(edge.apexNamespace, edge.apex, edge.route)),
    edgesOfLeaf: (namespace, leaf) => leaves.get(apexKey(namespace, leaf)) ?? NONE,
    dispose,
  };
}
