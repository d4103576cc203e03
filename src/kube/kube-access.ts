// How `serve` reaches the Kubernetes API: the pod's service account in a cluster, else the
// kubeconfig (--kubeconfig, --context, $KUBECONFIG, ~/.kube/config), like every controller.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeconfigError, loadKubeconfig } from './kubeconfig.js';

export interface KubeAccessOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function serviceKubeConfig({ kubeconfig, context, env }: KubeAccessOptions): KubeConfig {
  const explicit = kubeconfig !== undefined || context !== undefined;
  if (!explicit && env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '') {
    const inCluster = new KubeConfig();
    inCluster.loadFromCluster();
    return inCluster;
  }
  const loaded = loadKubeconfig({ file: kubeconfig, context, env });
  if (loaded === undefined) {
    throw new KubeconfigError('no Kubernetes access: not running in a cluster and no kubeconfig found (use --kubeconfig or $KUBECONFIG)');
  }
  return loaded;
}
