// `stat ts --prometheus` without --manifests: the splits (TrafficSplits, or for `stat httproute`
// HTTPRoutes) come from the cluster of the
// kubeconfig, as they did for `linkerd viz stat ts`. One list of the served version (the same
// discovery `serve --splits kube` uses), no watch: a `stat` run is a moment, and --watch keeps
// the splits it started with.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { describeKubeError, serviceKubeConfig } from '../../kube/index.js';
import { loadKubeSplits, TRAFFIC_SPLIT } from '../../splits/index.js';
import type { SplitKind, TrafficSplit } from '../../splits/index.js';

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

/**
 * The cluster's splits of the given kinds (in one namespace or all); objects that do not
 * normalise are reported by `warn`. A kind whose API the cluster does not serve has no objects;
 * only when no kind is served is that an error.
 */
export async function listClusterSplits(
  { kubeconfig, context, env, namespace }: ClusterSplitsOptions,
  warn: (line: string) => void,
  kinds: readonly SplitKind[] = [TRAFFIC_SPLIT],
): Promise<TrafficSplit[]> {
  const kubeConfig = serviceKubeConfig({ kubeconfig, context, env });
  const server = kubeConfig.getCurrentCluster()?.server ?? 'the cluster';
  const splits: TrafficSplit[] = [];
  let served = 0;
  for (const kind of kinds) {
    const items = await listKind(kubeConfig, server, kind, namespace);
    if (items === undefined) continue;
    served++;
    for (const item of items) {
      const result = kind.normalize({ apiVersion: `${kind.group}/${items.version}`, kind: kind.kind, ...(item as object) });
      if (result.ok) splits.push(...result.splits);
      else warn(`a ${kind.kind} was left out: ${result.error}`);
    }
  }
  if (served === 0) {
    const names = kinds.map((kind) => `${kind.group} (${kind.kind})`).join(' or ');
    throw new ClusterSplitsError(`${server} serves no ${names} API (is the CRD installed?)`);
  }
  return splits;
}

/** The kind's objects, or undefined when the cluster does not serve its API group. */
async function listKind(kubeConfig: KubeConfig, server: string, kind: SplitKind, namespace: string | null): Promise<(unknown[] & { version: string }) | undefined> {
  let body: unknown;
  let version: string | undefined;
  try {
    const { chooseSplitVersion, discoverResourceVersions } = await loadKubeSplits();
    const served = await discoverResourceVersions(kubeConfig, kind.group, kind.plural, kind.versions);
    version = served === undefined ? undefined : chooseSplitVersion(served, kind.versions);
    if (version === undefined) return undefined;
    const api = kubeConfig.makeApiClient(CustomObjectsApi);
    const query = { group: kind.group, version, plural: kind.plural };
    // The custom objects API is untyped; the list's shape is checked below.
    body = namespace === null ? await api.listClusterCustomObject(query) : await api.listNamespacedCustomObject({ ...query, namespace });
  } catch (error) {
    throw new ClusterSplitsError(`cannot list ${kind.plural}.${kind.group} from ${server}: ${describeKubeError(error)}`, { cause: error });
  }
  const items = typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items) ? (body as { items: unknown[] }).items : undefined;
  if (items === undefined) throw new ClusterSplitsError(`${server} answered the ${kind.kind} list with something that is not a list`);
  return Object.assign(items.filter((item) => typeof item === 'object' && item !== null), { version });
}
