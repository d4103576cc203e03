// What the PromQL of meshes that name only the leaf shares: which splits of a batch list
// each `namespace/leaf` (an answer about a leaf counts for all of them), and how long a batch's
// regex of backends grows.
import type { TrafficSplit } from '../splits/index.js';

const lookups = new WeakMap<readonly TrafficSplit[], ReadonlyMap<string, readonly number[]>>();

/** Indexes into `batch` of the TrafficSplits listing each `namespace/leaf`, built once per batch. */
export function splitsOfLeaf(batch: readonly TrafficSplit[]): ReadonlyMap<string, readonly number[]> {
  let lookup = lookups.get(batch);
  if (lookup === undefined) {
    const built = new Map<string, number[]>();
    // HTTPRoute splits too: these meshes name no route, so a route's backends are read as leaves.
    batch.forEach((split, index) => {
      for (const backend of split.backends) {
        const key = `${split.namespace}/${backend.service}`;
        const indexes = built.get(key) ?? [];
        if (!indexes.includes(index)) indexes.push(index);
        built.set(key, indexes);
      }
    });
    lookup = built;
    lookups.set(batch, lookup);
  }
  return lookup;
}

/** Regex characters a split adds to a batch selecting its namespace and backends. */
export function backendRegexLength(split: TrafficSplit): number {
  return split.namespace.length + split.backends.reduce((sum, backend) => sum + backend.service.length + 1, 0);
}
