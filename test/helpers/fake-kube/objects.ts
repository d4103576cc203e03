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
  /**
   * How the pod is meshed: a linkerd-proxy container (default), a native-sidecar init container,
   * only the annotation, not at all; or an Istio sidecar as Istio's injector writes it
   * (`istio`: container and annotations, metrics merged at :15020), with metrics merging off
   * (`istio-unmerged`: the app's own prometheus.io annotations), or as a native sidecar; or
   * Open Service Mesh's `envoy` container and `osm-proxy-uuid` label (`osm`).
   */
  readonly mesh?: 'container' | 'init-container' | 'annotation' | 'none' | 'istio' | 'istio-unmerged' | 'istio-native' | 'osm' | 'consul' | 'consul-envoy-sidecar';
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

export function pod(init: PodInit): object {
  const { name, mesh = 'container' } = init;
  const app = { name: 'app', image: 'ghcr.io/example/app:1.0', ports: [{ containerPort: 8080 }] };
  if (mesh === 'istio' || mesh === 'istio-unmerged' || mesh === 'istio-native') {
    const proxy = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.20.3', ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }] };
    const status = '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}';
    // With metrics merging the injector points the prometheus.io annotations at the agent.
    const prometheus = mesh === 'istio-unmerged' ? { 'prometheus.io/port': '9090', 'prometheus.io/path': '/metrics' } : { 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus' };
    const istioInit = { name: 'istio-init', image: proxy.image };
    return podObject(init, {
      annotations: { 'sidecar.istio.io/status': status, 'prometheus.io/scrape': 'true', ...prometheus },
      labels: { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': name },
      containers: mesh === 'istio-native' ? [app] : [app, proxy],
      initContainers: mesh === 'istio-native' ? [istioInit, { ...proxy, restartPolicy: 'Always' }] : [istioInit],
    });
  }
  if (mesh === 'osm') {
    const envoy = { name: 'envoy', image: 'envoyproxy/envoy-distroless:v1.22.2', ports: [{ name: 'proxy-admin', containerPort: 15000 }, { name: 'proxy-metrics', containerPort: 15010 }] };
    return podObject(init, {
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15010', 'prometheus.io/path': '/stats/prometheus' },
      labels: { 'osm-proxy-uuid': '6c1e4b0a-5f2d-4f6e-9a3b-2d1c0e9f8a7b' },
      containers: [app, envoy],
      initContainers: [{ name: 'osm-init', image: 'openservicemesh/init:v1.2.0' }],
    });
  }
  if (mesh === 'consul' || mesh === 'consul-envoy-sidecar') {
    // consul-k8s ≥ 1.0 injects consul-dataplane and announces its merged metrics (port 20201 here,
    // set per pod by consul.hashicorp.com/prometheus-scrape-port); before 1.0 the sidecar was
    // `envoy-sidecar`, here without metrics annotations.
    const dataplane = mesh === 'consul'
      ? { name: 'consul-dataplane', image: 'hashicorp/consul-dataplane:1.6.1', ports: [{ name: 'prometheus', containerPort: 20201 }] }
      : { name: 'envoy-sidecar', image: 'envoyproxy/envoy:v1.18.4' };
    const metrics: Record<string, string> = mesh === 'consul' ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '20201', 'prometheus.io/path': '/metrics' } : {};
    return podObject(init, {
      annotations: { 'consul.hashicorp.com/connect-inject-status': 'injected', 'consul.hashicorp.com/connect-k8s-version': 'v1.6.1', ...metrics },
      labels: { 'consul.hashicorp.com/connect-inject-status': 'injected', 'consul.hashicorp.com/connect-inject-managed-by': 'consul-k8s-endpoints-controller' },
      containers: [app, dataplane],
      initContainers: [{ name: 'consul-connect-inject-init', image: 'hashicorp/consul-k8s-control-plane:1.6.1' }],
    });
  }
  const proxy = { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:stable-2.14.10', ports: [{ name: 'linkerd-admin', containerPort: 4191 }] };
  return podObject(init, {
    annotations: mesh === 'none' ? {} : { 'linkerd.io/proxy-version': 'stable-2.14.10' },
    containers: mesh === 'container' ? [app, proxy] : [app],
    initContainers: mesh === 'init-container' ? [{ ...proxy, restartPolicy: 'Always' }] : undefined,
  });
}

/** What a mesh's injector writes into a pod. */
interface InjectedParts {
  readonly annotations: Readonly<Record<string, string>>;
  /** Labels of the mesh's own, beside the pod's. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly containers: readonly object[];
  readonly initContainers?: readonly object[] | undefined;
}

/** A Pod of `init` (name, namespace, owners, phase, address) with what its mesh injected. */
function podObject({ namespace = 'default', name, phase = 'Running', podIP, owners = [], labels }: PodInit, injected: InjectedParts): object {
  const allLabels = injected.labels === undefined && labels === undefined ? undefined : { ...injected.labels, ...labels };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      annotations: { ...injected.annotations },
      ...(allLabels === undefined ? {} : { labels: allLabels }),
      ...(owners.length === 0 ? {} : { ownerReferences: ownerReferences(owners) }),
    },
    spec: {
      containers: [...injected.containers],
      ...(injected.initContainers === undefined ? {} : { initContainers: [...injected.initContainers] }),
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
