// A KubeConfig that points @kubernetes/client-node at a fake API server, built the way a
// kubeconfig file would be: one cluster, one token user, one context with a default namespace.
import { KubeConfig } from '@kubernetes/client-node';
import type { FakeKubeServer } from './server.js';

export interface FakeKubeConfigOptions {
  /** The context's namespace (default "default"). */
  readonly namespace?: string;
  /** The user's bearer token (default: the one the server expects). */
  readonly token?: string;
}

export function kubeConfigFor(server: Pick<FakeKubeServer, 'url' | 'token'>, options: FakeKubeConfigOptions = {}): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node refuses plain http unless TLS verification is off; there is no TLS to verify.
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'tester', token: options.token ?? server.token ?? 'no-token-needed' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace: options.namespace ?? 'default' }],
    currentContext: 'fake',
  });
  return kubeConfig;
}
