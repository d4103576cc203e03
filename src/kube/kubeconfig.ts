// Reading the user's kubeconfig the way kubectl does, for the CLI: which file ($KUBECONFIG, else
// ~/.kube/config), which context (--context, else current-context), and that context's namespace.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeconfigSelection {
  /** --kubeconfig: one file, used as is. */
  readonly file?: string | undefined;
  /** --context: a context name in it. */
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** The kubeconfig files kubectl would read, in order; only those that exist. */
export function kubeconfigFiles(selection: KubeconfigSelection): string[] {
  if (selection.file !== undefined) return existsSync(selection.file) ? [selection.file] : [];
  const fromEnv = selection.env.KUBECONFIG;
  // From the command's own environment, never the process's: tests and plugins see one truth.
  const home = selection.env.HOME ?? selection.env.USERPROFILE;
  if ((fromEnv === undefined || fromEnv === '') && (home === undefined || home === '')) return [];
  const candidates = fromEnv !== undefined && fromEnv !== '' ? fromEnv.split(path.delimiter) : [path.join(home ?? '', '.kube', 'config')];
  return candidates.filter((file) => file !== '' && existsSync(file));
}

/**
 * The KubeConfig for the selection, or undefined when there is none (no file: not an error, the
 * CLI then works without a cluster). A file that exists but does not load is an error.
 */
export function loadKubeconfig(selection: KubeconfigSelection): KubeConfig | undefined {
  const files = kubeconfigFiles(selection);
  if (files.length === 0) {
    if (selection.file !== undefined) throw new KubeconfigError(`cannot read kubeconfig ${selection.file}: no such file`);
    return undefined;
  }
  const config = new KubeConfig();
  for (const [index, file] of files.entries()) {
    try {
      if (index === 0) config.loadFromFile(file);
      else mergeFirstWins(config, file);
    } catch (error) {
      // YAML errors go on with an excerpt of the file: the first line says what is wrong.
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      throw new KubeconfigError(`cannot read kubeconfig ${file}: ${message.trim()}`, { cause: error });
    }
  }
  // kubectl talks plain HTTP to an `http://` server (what `kubectl proxy` gives); client-node
  // refuses unless TLS verification is off, and a plain connection has no TLS to verify.
  config.clusters = config.clusters.map((cluster) => (cluster.server.startsWith('http:') && cluster.skipTLSVerify !== true ? { ...cluster, skipTLSVerify: true } : cluster));
  if (selection.context !== undefined) {
    if (config.getContextObject(selection.context) === null) {
      throw new KubeconfigError(`context "${selection.context}" does not exist in ${files.join(', ')}`);
    }
    config.setCurrentContext(selection.context);
  }
  return config;
}

/** kubectl merges every file of $KUBECONFIG: the first file to define a name or value wins. */
function mergeFirstWins(config: KubeConfig, file: string): void {
  const more = new KubeConfig();
  more.loadFromFile(file);
  for (const cluster of more.clusters) if (config.getCluster(cluster.name) === null) config.addCluster(cluster);
  for (const user of more.users) if (config.getUser(user.name) === null) config.addUser(user);
  for (const context of more.contexts) if (config.getContextObject(context.name) === null) config.addContext(context);
  if (config.getCurrentContext() === '' || config.getCurrentContext() === undefined) config.setCurrentContext(more.getCurrentContext());
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace of the selected context, else the pod's own (in a cluster), else `default`. */
export function contextNamespace(selection: KubeconfigSelection, inClusterNamespaceFile = SERVICE_ACCOUNT_NAMESPACE): string {
  const config = loadKubeconfig(selection);
  const namespace = config?.getContextObject(config.getCurrentContext())?.namespace;
  if (namespace !== undefined && namespace !== '') return namespace;
  if (config === undefined && existsSync(inClusterNamespaceFile)) {
    const own = readFileSync(inClusterNamespaceFile, 'utf8').trim();
    if (own !== '') return own;
  }
  return 'default';
}
