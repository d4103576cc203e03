// Keeps a SplitStore equal to the simulated cluster's splits (TrafficSplits and HTTPRoutes), the
// way a kube informer would for a real one, so everything downstream reads splits the same way.
import { normalizeHttpRoute, normalizeTrafficSplit } from '../splits/index.js';
import type { SplitStore, TrafficSplit } from '../splits/index.js';
import type { Simulator } from './simulator.js';
import type { SplitManifest } from './split-manifests.js';

export function feedSimulatedSplits(sim: Simulator, store: SplitStore): () => void {
  const sync = (): void => store.replaceAll(sim.splitManifests().flatMap(normalized));
  sync();
  return sim.onSplitsChanged(sync);
}

/** What splitstat's own readers make of the object; an HTTPRoute is one split per Service parent. */
function normalized(manifest: SplitManifest): TrafficSplit[] {
  if (manifest.kind === 'HTTPRoute') {
    const result = normalizeHttpRoute(manifest);
    return result.ok ? [...result.splits] : [];
  }
  const result = normalizeTrafficSplit(manifest);
  return result.ok ? [result.split] : [];
}
