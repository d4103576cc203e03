// Where a bearer token may be sent, apart from reading it (token.ts loads the Kubernetes client).

/**
 * A cluster credential found in the kubeconfig only travels encrypted (https) or stays on this
 * machine (plain http to a port-forward); a token given on purpose goes wherever it was meant to.
 */
export function mayCarryKubeconfigToken(endpoint: string): boolean {
  const url = new URL(endpoint);
  if (url.protocol === 'https:') return true;
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname);
}
