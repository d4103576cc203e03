// The cluster source of splits, loaded only when a process asks for it: it brings
// @kubernetes/client-node, about 80 MB of resident memory (BENCHMARKS.md), which a process that
// reads splits from files or only prints `stat ts` should not carry.
import type * as KubeSplitsModule from './kube/index.js';

export type KubeSplits = typeof KubeSplitsModule;

export function loadKubeSplits(): Promise<KubeSplits> {
  return import('./kube/index.js');
}
