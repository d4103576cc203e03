// Builders for the objects tests put into the fake API server: TrafficSplits of any version,
// pods (meshed or not, in any phase, owned by anything) and the ReplicaSets between pods and
// Deployments. Only the fields a real object has and the code under test reads.

export interface TrafficSplitInit {
  readonly namespace?: string;
  readonly name: string;
  /** e.g. "v1alpha2" (default). */
  readonly version?: string;
  readonly apex?: string;
  /** Backend service → weight exactly as it should appear on the wire (number or Quantity string). */
  readonly backends: Readonly<Record<string, number | string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

export function trafficSplit({ namespace = 'default', name, version = 'v1alpha2', apex = name, backends, labels }: TrafficSplitInit): object {
  return {
    apiVersion: `split.smi-spec.io/${version}`,
    kind: 'TrafficSplit',
    metadata: { name, namespace, ...(labels === undefined ? {} : { labels: { ...labels } }) },
    spec: { service: apex, backends: Object.entries(backends).map(([service, weight]) => ({ service, weight })) },
  };
}

export interface OwnerInit {
  readonly kind: string;
  readonly name: string;
  readonly apiVersion?: string;
  /** Whether this owner is the managing controller (default true). */
  readonly controller?: boolean;
}

export interface PodInit {
  readonly namespace?: string;
  readonly name: string;
  /** How the pod is meshed: a linkerd-proxy container (default), a native-sidecar init container, only the annotation, or not at all. */
  readonly mesh?: 'container' | 'init-container' | 'annotation' | 'none';
  readonly phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  readonly podIP?: string;
  readonly owners?: readonly OwnerInit[];
  readonly labels?: Readonly<Record<string, string>>;
}

const OWNER_API_VERSIONS: Readonly<Record<string, string>> = {
  ReplicaSet: 'apps/v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

export function ownerReferences(owners: readonly OwnerInit[]): object[] {
  return owners.map((owner, index) => ({
    apiVersion: owner.apiVersion ?? OWNER_API_VERSIONS[owner.kind] ?? 'v1',
    kind: owner.kind,
    name: owner.name,
    uid: `owner-uid-${owner.kind}-${owner.name}-${index}`,
    controller: owner.controller ?? true,
    blockOwnerDeletion: true,
  }));
}

export function pod({ namespace = 'default', name, mesh = 'container', phase = 'Running', podIP, owners = [], labels }: PodInit): object {
  const app = { name: 'app', image: 'ghcr.io/example/app:1.0', ports: [{ containerPort: 8080 }] };
  const proxy = { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:stable-2.14.10', ports: [{ name: 'linkerd-admin', containerPort: 4191 }] };
  const annotations = mesh === 'none' ? {} : { 'linkerd.io/proxy-version': 'stable-2.14.10' };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      annotations,
      ...(labels === undefined ? {} : { labels: { ...labels } }),
      ...(owners.length === 0 ? {} : { ownerReferences: ownerReferences(owners) }),
    },
    spec: {
      containers: mesh === 'container' ? [app, proxy] : [app],
      ...(mesh === 'init-container' ? { initContainers: [{ ...proxy, restartPolicy: 'Always' }] } : {}),
    },
    status: { phase, ...(podIP === undefined ? {} : { podIP, podIPs: [{ ip: podIP }] }) },
  };
}

export interface ReplicaSetInit {
  readonly namespace?: string;
  readonly name: string;
  readonly owners?: readonly OwnerInit[];
}

export function replicaSet({ namespace = 'default', name, owners = [] }: ReplicaSetInit): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace, ...(owners.length === 0 ? {} : { ownerReferences: ownerReferences(owners) }) },
    spec: { replicas: 1, selector: { matchLabels: { app: name } } },
  };
}
