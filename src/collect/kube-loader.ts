// Pod discovery, loaded only when a process asks for it: it brings @kubernetes/client-node,
// about 80 MB of resident memory (BENCHMARKS.md), which a process scraping a targets file should
// not carry.
import type * as KubeTargetsModule from './kube/index.js';

export type KubeTargets = typeof KubeTargetsModule;

export function loadKubeTargets(): Promise<KubeTargets> {
  return import('./kube/index.js');
}
