// TrafficSplits from a Kubernetes cluster, and the resilient list+watch machinery the pod
// discovery in collect/kube reuses.
export { KubeSplitSource } from './kube-split-source.js';
export type { KubeSplitSourceOptions } from './kube-split-source.js';
export { chooseSplitVersion, discoverGroupVersions } from './discovery.js';
export type { ServedVersions } from './discovery.js';
export { DEFAULT_WATCHDOG_MS, ResilientInformer } from './resilient-informer.js';
export type { InformerHandlers, InformerTarget, ResilientInformerOptions } from './resilient-informer.js';
export { Backoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { describeKubeError, httpStatusOf } from './kube-errors.js';
