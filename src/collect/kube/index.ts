// Scrape targets discovered in a Kubernetes cluster: meshed pods and their workloads.
export { KubePodTargets } from './kube-pod-targets.js';
export type { KubePodTargetsOptions } from './kube-pod-targets.js';
export { DEFAULT_ADMIN_PORT, PROXY_CONTAINER, PROXY_VERSION_ANNOTATION, isMeshed, proxyMetricsUrl, readMeshedPod } from './meshed-pod.js';
export type { MeshedPod } from './meshed-pod.js';
export { controllerOf, resolveWorkload } from './owner.js';
export type { ReplicaSetLookup, ReplicaSetOwner } from './owner.js';
