// Scrape targets discovered in a Kubernetes cluster: meshed pods and their workloads.
export { KubePodTargets } from './kube-pod-targets.js';
export type { KubePodTargetsOptions } from './kube-pod-targets.js';
export {
  DEFAULT_ADMIN_PORT,
  ISTIO_METRICS_PATH,
  ISTIO_METRICS_PORT,
  ISTIO_PROXY_CONTAINER,
  ISTIO_STATUS_ANNOTATION,
  OSM_METRICS_PATH,
  OSM_METRICS_PORT,
  OSM_PROXY_CONTAINER,
  OSM_PROXY_UUID_LABEL,
  PROXY_CONTAINER,
  PROXY_VERSION_ANNOTATION,
  SIDECAR_MESHES,
  isIstioInjected,
  isMeshed,
  isOsmInjected,
  podMetricsUrl,
  proxyMetricsUrl,
  readMeshedPod,
} from './meshed-pod.js';
export type { MeshedPod, SidecarMesh } from './meshed-pod.js';
export { controllerOf, resolveWorkload } from './owner.js';
export type { ReplicaSetLookup, ReplicaSetOwner } from './owner.js';
