// The simulated cluster's fixed parts, built once from a scenario: backend pods with their IPs and
// identities, splits with their current weights, client pods with one request stream per call.
import { apiGroupOf } from '../splits/index.js';
import type { Workload } from '../collect/index.js';
import { TruthCell } from './ground-truth.js';
import { LatencyModel } from './latency.js';
import type { LabelStyle } from './linkerd-exposition.js';
import type { ClientMesh, ProxyVersion } from './scenario-schema.js';
import type { PodHealth } from './metrics-server.js';
import { IpAllocator, podNames } from './names.js';
import { envoyCountersFor } from './envoy-exposition.js';
import { IstioCounters, ProxyCounters } from './proxy-counters.js';
import type { EnvoyCounters } from './proxy-counters.js';
import type { EndpointPod, Route, RouteBackendRef } from './proxy-counters.js';
import { Rng } from './rng.js';
import type { Scenario, SplitScenario, WeightSpec } from './scenario.js';

const CONTROL_PLANE_NAMESPACE = 'linkerd';
/** Client pods' own app port, where kubelet probes arrive. */
export const CLIENT_APP_PORT = 8080;

export interface BackendRuntime {
  readonly namespace: string;
  readonly service: string;
  readonly successRate: number;
  readonly latency: LatencyModel;
  readonly endpoints: readonly EndpointPod[];
}

export interface SplitBackendWeight {
  readonly service: string;
  readonly weight: WeightSpec;
}

const PROXY_STYLES: Readonly<Record<ProxyVersion, LabelStyle>> = { 'stable-2.8': 'legacy', 'stable-2.11': 'modern', 'stable-2.17': 'recent' };

export class SplitRuntime {
  readonly authority: string;
  /** Declared backends, in scenario order; the split's current list is a subset of them. */
  readonly backends: readonly BackendRuntime[];
  /** routes[backend][pod]: the outbound route to that pod through this split's apex. */
  readonly routes: readonly (readonly Route[])[];
  /**
   * routeBackends[backend]: how the proxy's route metrics name that backend of this HTTPRoute;
   * undefined for a TrafficSplit, which the proxy reaches through no route of its own.
   */
  readonly routeBackends: readonly RouteBackendRef[] | undefined;
  private current: readonly SplitBackendWeight[] = [];
  private cumulative: { backend: number; upTo: number }[] = [];
  private totalWeight = 0;

  constructor(
    readonly spec: SplitScenario,
    clusterDomain: string,
    backends: readonly BackendRuntime[],
  ) {
    this.authority = `${spec.apex}.${spec.namespace}.svc.${clusterDomain}:${spec.port}`;
    this.backends = backends;
    this.routes = backends.map((backend) => backend.endpoints.map((endpoint): Route => ({ kind: 'outbound', authority: this.authority, endpoint })));
    this.routeBackends = spec.kind === 'HTTPRoute' ? backends.map((backend) => routeBackendRef(spec, backend.service)) : undefined;
    this.setBackends(spec.backends.flatMap((backend) => (backend.weight === undefined ? [] : [{ service: backend.service, weight: backend.weight }])));
  }

  get backendWeights(): readonly SplitBackendWeight[] {
    return this.current;
  }

  setBackends(backends: readonly SplitBackendWeight[]): void {
    this.current = backends;
    this.cumulative = [];
    this.totalWeight = 0;
    for (const { service, weight } of backends) {
      if (weight.value <= 0) continue;
      this.totalWeight += weight.value;
      this.cumulative.push({ backend: this.backends.findIndex((backend) => backend.service === service), upTo: this.totalWeight });
    }
  }

  /**
   * The backend a request goes to for a uniform draw in [0, 1): weight / Σ weights each.
   * -1 when every weight is zero (or the list is empty): the split sends the request nowhere.
   */
  pick(uniform: number): number {
    const point = uniform * this.totalWeight;
    for (const { backend, upTo } of this.cumulative) if (point < upTo) return backend;
    // Rounding can leave the point a hair above the last bound; it belongs to the last backend.
    return this.cumulative.at(-1)?.backend ?? -1;
  }
}

/** route_group is the HTTPRoute's API group: `gateway.networking.k8s.io` or `policy.linkerd.io`. */
function routeBackendRef(spec: SplitScenario, backend: string): RouteBackendRef {
  return { namespace: spec.namespace, parent: spec.apex, port: spec.port, routeGroup: apiGroupOf(spec.apiVersion), route: spec.name, backend };
}

export interface CallStream {
  readonly split: SplitRuntime;
  readonly rps: number;
  readonly rng: Rng;
  /** cells[backend]: this pod's ground truth toward each declared backend of the split. */
  readonly cells: readonly TruthCell[];
}

export interface ClientPod {
  readonly namespace: string;
  readonly workload: Workload;
  readonly name: string;
  readonly ip: string;
  /** The sidecar it runs: Linkerd's proxy (of `style`), Istio's, Open Service Mesh's or Consul's Envoy. */
  readonly mesh: ClientMesh;
  /** The Linkerd label layout (Linkerd pods only). */
  readonly style: LabelStyle;
  readonly grpc: boolean;
  readonly inboundRoute: Route;
  readonly streams: readonly CallStream[];
  /** A Linkerd pod's counters. */
  counters: ProxyCounters;
  /** An Istio pod's counters. */
  istio: IstioCounters;
  /** An Open Service Mesh or Consul pod's Envoy counters. */
  envoy: EnvoyCounters;
  health: PodHealth;
}

export interface Topology {
  readonly splits: readonly SplitRuntime[];
  readonly clientPods: readonly ClientPod[];
  readonly cells: readonly TruthCell[];
  readonly backendPods: ReadonlyMap<string, readonly EndpointPod[]>;
  /** Where every proxy also sends a trickle of requests: the control plane's destination API. */
  readonly controlPlaneRoute: Route;
  readonly noAuthorityRoute: Route;
}

function serverId(serviceAccount: string, namespace: string, clusterDomain: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.${clusterDomain}`;
}

function deploymentEndpoints(ips: IpAllocator, namespace: string, deployment: string, service: string, port: number, count: number, clusterDomain: string): EndpointPod[] {
  return podNames(namespace, { kind: 'deployment', name: deployment }, count).map((pod) => ({
    ip: ips.allocate(),
    port,
    namespace,
    service,
    deployment,
    pod: pod.name,
    templateHash: pod.templateHash ?? '',
    serviceAccount: deployment,
    serverId: serverId(deployment, namespace, clusterDomain),
    controlPlaneNamespace: CONTROL_PLANE_NAMESPACE,
  }));
}

export function buildTopology(scenario: Scenario, startTimeSeconds: number): Topology {
  const ips = new IpAllocator();
  const { clusterDomain } = scenario;

  // Backends first, shared by every split in the namespace that lists the same Service.
  const backendsByKey = new Map<string, BackendRuntime>();
  const splits = scenario.splits.map((spec) => {
    const backends = spec.backends.map((backend) => {
      const key = `${spec.namespace}/${backend.service}`;
      let runtime = backendsByKey.get(key);
      if (runtime === undefined) {
        runtime = {
          namespace: spec.namespace,
          service: backend.service,
          successRate: backend.successRate,
          latency: new LatencyModel(backend.latency),
          endpoints: deploymentEndpoints(ips, spec.namespace, backend.service, backend.service, spec.port, backend.pods, clusterDomain),
        };
        backendsByKey.set(key, runtime);
      }
      return runtime;
    });
    return new SplitRuntime(spec, clusterDomain, backends);
  });
  const splitByName = new Map(splits.map((split) => [`${split.spec.namespace}/${split.spec.name}`, split]));

  const [destination] = deploymentEndpoints(ips, CONTROL_PLANE_NAMESPACE, 'linkerd-destination', 'linkerd-destination', 8086, 1, clusterDomain);
  const controlPlaneRoute: Route = { kind: 'outbound', authority: `linkerd-destination.${CONTROL_PLANE_NAMESPACE}.svc.${clusterDomain}:8086`, endpoint: destination! };

  const cells: TruthCell[] = [];
  const clientPods: ClientPod[] = [];
  for (const client of scenario.clients) {
    for (const pod of podNames(client.namespace, client.workload, client.pods)) {
      const ip = ips.allocate();
      const streams = client.calls.map((call, callIndex): CallStream => {
        const split = splitByName.get(`${call.split.namespace}/${call.split.name}`);
        if (split === undefined) throw new Error(`client ${client.workload.name} calls unknown split ${call.split.namespace}/${call.split.name}`);
        const streamCells = split.backends.map((backend) => {
          const cell = new TruthCell({
            namespace: split.spec.namespace,
            kind: split.spec.kind,
            split: split.spec.name,
            apex: split.spec.apex,
            leaf: backend.service,
            client: { namespace: client.namespace, kind: client.workload.kind, name: client.workload.name, pod: pod.name },
          });
          cells.push(cell);
          return cell;
        });
        const rng = new Rng(scenario.seed, `${client.namespace}/${pod.name}#${callIndex}`);
        return { split, rps: call.rps, rng, cells: streamCells };
      });
      clientPods.push({
        namespace: client.namespace,
        workload: client.workload,
        name: pod.name,
        ip,
        // Without a proxy version, alternate the two older layouts so consumers meet both label
        // orders in one mesh.
        style: client.proxy === undefined ? (clientPods.length % 2 === 0 ? 'modern' : 'legacy') : PROXY_STYLES[client.proxy],
        grpc: client.protocol === 'grpc',
        inboundRoute: { kind: 'inbound', ip, port: CLIENT_APP_PORT },
        streams,
        counters: new ProxyCounters(startTimeSeconds),
        istio: new IstioCounters(startTimeSeconds),
        envoy: envoyCountersFor(client.mesh, startTimeSeconds),
        mesh: client.mesh,
        health: 'ok',
      });
    }
  }
  const backendPods = new Map([...backendsByKey].map(([key, backend]) => [key, backend.endpoints]));
  return { splits, clientPods, cells, backendPods, controlPlaneRoute, noAuthorityRoute: { kind: 'outbound-no-authority' } };
}
