// TrafficSplits from a Kubernetes cluster: which API versions it serves, and a SplitStore kept
// up to date by a resilient list+watch (src/kube).
export { KubeSplitSource } from './kube-split-source.js';
export type { KubeSplitSourceOptions } from './kube-split-source.js';
export { chooseSplitVersion, discoverGroupVersions, discoverResourceVersions } from './discovery.js';
export type { ServedVersions } from './discovery.js';
