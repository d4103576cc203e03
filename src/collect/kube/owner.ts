// Which workload a pod belongs to (`deploy/web` in `stat ts --from`): the controller in its
// ownerReferences, with a ReplicaSet followed up to its Deployment (or whatever else owns it).
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Workload } from '../target.js';

/** What is known about a ReplicaSet: its own controlling owner, if any. */
export interface ReplicaSetOwner {
  readonly owner: Workload | undefined;
}

export type ReplicaSetLookup = (namespace: string, name: string) => ReplicaSetOwner | undefined;

/** The controlling owner (or, failing a controller flag, the first owner) as a workload. */
export function controllerOf(owners: readonly V1OwnerReference[]): Workload | undefined {
  const owner = owners.find((candidate) => candidate.controller === true) ?? owners[0];
  return owner === undefined ? undefined : { kind: owner.kind.toLowerCase(), name: owner.name };
}

/**
 * The pod's workload. A ReplicaSet is resolved through `replicaSets`; one not seen yet (its event
 * may come after the pod's) is recognised by the Deployment controller's naming, the ReplicaSet
 * being `<deployment>-<pod-template-hash>`. A pod without owner is its own workload.
 */
export function resolveWorkload(
  pod: { readonly namespace: string; readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly owners: readonly V1OwnerReference[] },
  replicaSets: ReplicaSetLookup,
): Workload {
  const owner = controllerOf(pod.owners);
  if (owner === undefined) return { kind: 'pod', name: pod.name };
  if (owner.kind !== 'replicaset') return owner;
  const known = replicaSets(pod.namespace, owner.name);
  if (known !== undefined) return known.owner ?? owner;
  const hash = pod.labels['pod-template-hash'];
  if (hash !== undefined && hash !== '' && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'deployment', name: owner.name.slice(0, -hash.length - 1) };
  }
  return owner;
}
