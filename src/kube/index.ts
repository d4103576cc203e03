// Kubernetes list+watch that survives what real API servers do (drops, stalls, 410 Gone,
// restarts), shared by the TrafficSplit source (splits/kube) and pod discovery (collect/kube).
export { DEFAULT_WATCHDOG_MS, ResilientInformer } from './resilient-informer.js';
export type { InformerHandlers, InformerTarget, ResilientInformerOptions } from './resilient-informer.js';
export { Backoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { describeKubeError, httpStatusOf } from './kube-errors.js';
export { serviceKubeConfig } from './kube-access.js';
export { contextNamespace, kubeconfigFiles, loadKubeconfig } from './kubeconfig.js';
export type { KubeconfigSelection } from './kubeconfig.js';
