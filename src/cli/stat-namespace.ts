// The namespace `stat ts` looks in when -n is not given.

/**
 * Linkerd used the current kubeconfig context's namespace, else `default`. splitstat does not
 * read the kubeconfig yet, so this is `default`; it is the one place to change when it does.
 */
export function defaultNamespace(): string {
  return 'default';
}
