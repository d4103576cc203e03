// Keeps a SplitStore equal to the simulated cluster's TrafficSplits, the way a kube informer
// would for a real one, so everything downstream reads splits the same way.
import { normalizeTrafficSplit } from '../splits/index.js';
import type { SplitStore, TrafficSplit } from '../splits/index.js';
import type { Simulator } from './simulator.js';

export function feedSimulatedSplits(sim: Simulator, store: SplitStore): () => void {
  const sync = (): void => {
    const splits: TrafficSplit[] = [];
    for (const manifest of sim.splitManifests()) {
      const result = normalizeTrafficSplit(manifest);
      if (result.ok) splits.push(result.split);
    }
    store.replaceAll(splits);
  };
  sync();
  return sim.onSplitsChanged(sync);
}
