// `stat ts --prometheus` without --manifests: the TrafficSplits come from the cluster of the
// kubeconfig, as they did for `linkerd viz stat ts`. One list of the served version (the same
// discovery `serve --splits kube` uses), no watch: a `stat` run is a moment, and --watch keeps
// the splits it started with.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describeKubeError, serviceKubeConfig } from '../../kube/index.js';
import { chooseSplitVersion, discoverGroupVersions, normalizeTrafficSplit, SPLIT_API_GROUP } from '../../splits/index.js';
import type { TrafficSplit } from '../../splits/index.js';

export interface ClusterSplitsOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** null: every namespace. */
  readonly namespace: string | null;
}

export class ClusterSplitsError extends Error {
  override readonly name = 'ClusterSplitsError';
}

/** The cluster's TrafficSplits (in one namespace or all); objects that do not normalise are reported by `warn`. */
export async function listClusterSplits({ kubeconfig, context, env, namespace }: ClusterSplitsOptions, warn: (line: string) => void): Promise<TrafficSplit[]> {
  const kubeConfig = serviceKubeConfig({ kubeconfig, context, env });
  const server = kubeConfig.getCurrentCluster()?.server ?? 'the cluster';
  let body: unknown;
  try {
    const served = await discoverGroupVersions(kubeConfig, SPLIT_API_GROUP);
    const version = served === undefined ? undefined : chooseSplitVersion(served);
    if (version === undefined) throw new ClusterSplitsError(`${server} serves no ${SPLIT_API_GROUP} API (is the TrafficSplit CRD installed?)`);
    const api = kubeConfig.makeApiClient(CustomObjectsApi);
    const query = { group: SPLIT_API_GROUP, version, plural: 'trafficsplits' };
    // The custom objects API is untyped; the list's shape is checked below.
    body = namespace === null ? await api.listClusterCustomObject(query) : await api.listNamespacedCustomObject({ ...query, namespace });
  } catch (error) {
    if (error instanceof ClusterSplitsError) throw error;
    throw new ClusterSplitsError(`cannot list TrafficSplits from ${server}: ${describeKubeError(error)}`, { cause: error });
  }
  const items = typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items) ? (body as { items: unknown[] }).items : undefined;
  if (items === undefined) throw new ClusterSplitsError(`${server} answered the TrafficSplit list with something that is not a list`);
  const splits: TrafficSplit[] = [];
  for (const item of items) {
    const result = normalizeTrafficSplit(item);
    if (result.ok) splits.push(result.split);
    else warn(`a TrafficSplit was left out: ${result.error}`);
  }
  return splits;
}
