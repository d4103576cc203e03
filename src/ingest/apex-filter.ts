// Scrape mode keeps only traffic to apexes that have a split, so memory follows the number of
// splits, not the size of the mesh. History for a split starts when it first appears. Proxies that
// name only the leaf a request went to (Linkerd 2.13+) are attributed through the splits listing
// that leaf (the scrape engine narrows them to the apexes the client's page says it calls).
// HTTPRoute splits take such traffic only from meshes that name no route (Istio, the Envoy-based
// ones): Linkerd counts an HTTPRoute's traffic per route, which must not be counted twice.
import type { SplitStore } from '../splits/index.js';
import type { TrafficEdge } from '../mesh/index.js';
import { apexKey, splitApexKey, splitEdge } from '../mesh/index.js';

export interface SplitTrafficFilter {
  readonly keepEdge: (edge: TrafficEdge) => boolean;
  /**
   * The edges a leaf-only series stands for: one per apex whose TrafficSplit lists the leaf, and,
   * for a mesh that names no route (`routeless`), one per HTTPRoute split listing it.
   */
  readonly edgesOfLeaf: (namespace: string, leaf: string, routeless?: boolean) => readonly TrafficEdge[];
  readonly dispose: () => void;
}

const NONE: readonly TrafficEdge[] = [];

function addEdge(byLeaf: Map<string, TrafficEdge[]>, leafKey: string, edge: TrafficEdge): void {
  const edges = byLeaf.get(leafKey) ?? [];
  // Two splits on one apex (and route) both listing the leaf are still one edge.
  if (!edges.some((known) => known.apex === edge.apex && known.route === edge.route)) edges.push(edge);
  byLeaf.set(leafKey, edges);
}

export function splitApexFilter(store: SplitStore): SplitTrafficFilter {
  let apexes = new Set<string>();
  let leaves = new Map<string, TrafficEdge[]>();
  let routelessLeaves = new Map<string, TrafficEdge[]>();
  const refresh = (): void => {
    apexes = new Set();
    leaves = new Map();
    routelessLeaves = new Map();
    for (const split of store.list()) {
      // A split without an apex routes nothing: its backends' traffic is not its own.
      if (split.apex === '') continue;
      apexes.add(splitApexKey(split));
      for (const backend of split.backends) {
        const leafKey = apexKey(split.namespace, backend.service);
        const edge = splitEdge(split, backend.service);
        if (split.kind === 'TrafficSplit') addEdge(leaves, leafKey, edge);
        addEdge(routelessLeaves, leafKey, edge);
      }
    }
  };
  refresh();
  const dispose = store.onChange(refresh);
  return {
    keepEdge: (edge) => apexes.has(apexKey(edge.apexNamespace, edge.apex, edge.route)),
    edgesOfLeaf: (namespace, leaf, routeless = false) => (routeless ? routelessLeaves : leaves).get(apexKey(namespace, leaf)) ?? NONE,
    dispose,
  };
}
