// Scrape mode keeps only traffic to apexes that have a TrafficSplit, so memory follows the number
// of splits, not the size of the mesh. History for a split starts when it first appears.
import type { SplitStore } from '../splits/index.js';
import type { TrafficEdge } from '../mesh/index.js';
import { apexKey } from '../mesh/index.js';

export function splitApexFilter(store: SplitStore): { keepEdge: (edge: TrafficEdge) => boolean; dispose: () => void } {
  let apexes = new Set<string>();
  const refresh = (): void => {
    apexes = new Set(store.list().map((split) => apexKey(split.namespace, split.apex)));
  };
  refresh();
  const dispose = store.onChange(refresh);
  return { keepEdge: (edge) => apexes.has(apexKey(edge.apexNamespace, edge.apex)), dispose };
}
