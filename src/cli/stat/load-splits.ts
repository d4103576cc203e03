// The splits `stat ts --prometheus` asks about, read once: from --manifests (the same reader
// `serve --splits` watches, so directories, multi-document files and conflicts behave the same),
// else from the kubeconfig's cluster, then chosen as the GraphQL API chooses them.
import { GATEWAY_HTTP_ROUTE, LabelSelectorError, LINKERD_HTTP_ROUTE, ManifestSplitSource, parseLabelSelector, selectSplits, SplitStore, TRAFFIC_SPLIT } from '../../splits/index.js';
import type { TrafficSplit } from '../../splits/index.js';
import type { StatRequest } from './args.js';
import { listClusterSplits } from './prometheus-kube.js';
import { RESOURCE_OF_KIND } from './query.js';

export interface SplitsLocation {
  /** --manifests: a file or directory; the cluster when absent or empty. */
  readonly manifests?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export class SplitLookupError extends Error {}

/**
 * Files or objects that do not parse are passed to `warn`; the others still count. Named splits
 * that do not exist are an error, as in Linkerd.
 */
export async function loadSplits(location: SplitsLocation, request: StatRequest, warn: (line: string) => void): Promise<TrafficSplit[]> {
  const store = new SplitStore();
  if (location.manifests !== undefined && location.manifests !== '') {
    const reader = new ManifestSplitSource({ path: location.manifests, store });
    try {
      await reader.start();
      for (const problem of reader.problems()) warn(`${problem.file}: ${problem.message}`);
    } finally {
      await reader.stop();
    }
  } else {
    const { kubeconfig, context, env } = location;
    const kinds = request.kind === 'TrafficSplit' ? [TRAFFIC_SPLIT] : [GATEWAY_HTTP_ROUTE, LINKERD_HTTP_ROUTE];
    const listed = await listClusterSplits({ kubeconfig, context, env, namespace: request.namespace }, warn, kinds);
    for (const split of listed) store.upsert(split);
  }
  let selector;
  try {
    // Linkerd looked named splits up directly, ignoring the selector; so does this.
    selector = request.labelSelector === null || request.names !== null ? undefined : parseLabelSelector(request.labelSelector);
  } catch (error) {
    if (error instanceof LabelSelectorError) throw new SplitLookupError(`--selector: ${error.message}`);
    throw error;
  }
  const splits = selectSplits(store, { namespace: request.namespace, names: request.names, selector, kind: request.kind });
  if (request.names !== null) {
    const found = new Set(splits.flatMap((split) => [split.name, ...(split.route === undefined ? [] : [split.route.name])]));
    const missing = request.names.filter((name) => !found.has(name));
    if (missing.length > 0) {
      const quoted = missing.map((name) => JSON.stringify(name)).join(', ');
      throw new SplitLookupError(`${RESOURCE_OF_KIND[request.kind]} ${quoted} not found in namespace ${JSON.stringify(request.namespace)}`);
    }
  }
  return splits;
}
