// Which versions of the TrafficSplit API the cluster serves depends on who installed the CRD:
// linkerd-smi serves v1alpha1 and v1alpha2, OSM only v1alpha2, the upstream SMI CRD only
// v1alpha4. Ask discovery rather than assume one, and watch the version the cluster prefers.
import { ApisApi, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { KNOWN_SPLIT_VERSIONS } from '../normalize.js';

export interface ServedVersions {
  /** In the order discovery lists them (highest priority first). */
  readonly versions: readonly string[];
  /** The group's preferredVersion, when discovery names one. */
  readonly preferred: string | undefined;
}

/**
 * The served versions of an API group; undefined when the cluster does not serve the group.
 * Reads `/apis` (the group list every client's discovery starts from): it holds the same
 * APIGroup entry as `/apis/<group>` and has a typed call in client-node.
 */
export async function discoverGroupVersions(kubeConfig: KubeConfig, group: string): Promise<ServedVersions | undefined> {
  const groups = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
  const entry = groups.groups.find((candidate) => candidate.name === group);
  if (entry === undefined || entry.versions.length === 0) return undefined;
  return { versions: entry.versions.map((version) => version.version), preferred: entry.preferredVersion?.version };
}

/**
 * The version to watch: the preferred one when splitstat knows it, else the newest known one
 * the cluster serves, else (a cluster with only versions newer than splitstat) the preferred
 * one anyway — such splits are read as the newest known version and flagged.
 */
export function chooseSplitVersion({ versions, preferred }: ServedVersions, known: readonly string[] = KNOWN_SPLIT_VERSIONS): string | undefined {
  if (preferred !== undefined && versions.includes(preferred) && known.includes(preferred)) return preferred;
  const newestKnown = [...known].reverse().find((version) => versions.includes(version));
  return newestKnown ?? preferred ?? versions[0];
}

/**
 * The served versions of a group that hold `plural` (a group may be served for other resources:
 * Linkerd 2.11 serves policy.linkerd.io for Servers, without HTTPRoutes); undefined when none
 * does. Only the versions splitstat knows are asked about, each with one resource list.
 */
export async function discoverResourceVersions(kubeConfig: KubeConfig, group: string, plural: string, known: readonly string[]): Promise<ServedVersions | undefined> {
  const served = await discoverGroupVersions(kubeConfig, group);
  if (served === undefined) return undefined;
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const holding: string[] = [];
  for (const version of served.versions) {
    if (!known.includes(version)) continue;
    const list = await api.getAPIResources({ group, version });
    if (list.resources.some((resource) => resource.name === plural)) holding.push(version);
  }
  if (holding.length === 0) return undefined;
  return { versions: holding, preferred: served.preferred !== undefined && holding.includes(served.preferred) ? served.preferred : undefined };
}
