// A simulated Linkerd mesh: client pods whose proxies serve real `/metrics` over HTTP, traffic
// generated deterministically from the scenario's seed, splits (TrafficSplits and weighted
// HTTPRoutes) that change on schedule, and the exact ground truth of every request.
//
// Time is simulated: nothing happens until advance(ms) (tests, benchmarks) or run() (live demo,
// which advances by real elapsed time). Request k of a stream with rate r is issued at k·1000/r
// ms, so how many requests an interval holds depends only on its end points, and each stream
// draws from its own generator a fixed number of times per request: advancing 10 s at once or
// in 100 ms ticks gives identical numbers.
import type { ScrapeTarget } from '../collect/index.js';
import { snapshot } from './ground-truth.js';
import type { GroundTruth } from './ground-truth.js';
import { consulFixedTags, envoyCountersFor, renderEnvoySidecarMetrics } from './envoy-exposition.js';
import { renderIstioSidecarMetrics } from './istio-exposition.js';
import { renderLinkerdProxyMetrics } from './linkerd-exposition.js';
import type { LabelStyle } from './linkerd-exposition.js';
import { POD_HEALTH_MODES, PodMetricsServer } from './metrics-server.js';
import type { PodHealth } from './metrics-server.js';
import { IstioCounters, ProxyCounters } from './proxy-counters.js';
import type { EndpointPod } from './proxy-counters.js';
import { ScheduleClock } from './schedule.js';
import type { ClientMesh, NamespacedName, Scenario } from './scenario.js';
import { splitManifest } from './split-manifests.js';
import type { SplitManifest } from './split-manifests.js';
import { buildTopology, CLIENT_APP_PORT } from './topology.js';
import type { CallStream, ClientPod, Topology } from './topology.js';

export interface SplitsChange {
  /** Simulated time of the change, ms since the start. */
  readonly atMs: number;
  /** The splits this change touched. */
  readonly changed: readonly NamespacedName[];
  /** Every split as it is right after the change: TrafficSplits and HTTPRoutes. */
  readonly manifests: readonly SplitManifest[];
}

export type SplitsListener = (change: SplitsChange) => void;

export interface SimulatorOptions {
  readonly scenario: Scenario;
  /** Where the pods' metrics servers listen; loopback by default. */
  readonly host?: string;
  /** Wall clock in ms: paces run() and stamps process_start_time_seconds. Default Date.now. */
  readonly now?: () => number;
}

export interface ClientPodInfo {
  readonly namespace: string;
  readonly pod: string;
  readonly workload: { readonly kind: string; readonly name: string };
  readonly ip: string;
  readonly protocol: 'http' | 'grpc';
  /** The sidecar its pods run (the scenario's `mesh`). */
  readonly mesh: ClientMesh;
  /** Linkerd's label layout (meaningful for Linkerd pods only). */
  readonly labelStyle: LabelStyle;
}

// Background traffic every proxy carries, in ms between requests: kubelet probes (liveness and
// readiness each every 10 s), destination lookups, and a stray authority-less HTTP/1.0 request.
const PROBE_PERIOD_MS = 5_000;
const CONTROL_PLANE_PERIOD_MS = 15_000;
const NO_AUTHORITY_PERIOD_MS = 60_000;
/** Where an Istio sidecar (the agent's port 15020) and an OSM sidecar (port 15010) serve Envoy's metrics. */
const ENVOY_METRICS_PATH = '/stats/prometheus';

export class Simulator {
  readonly scenario: Scenario;
  private readonly host: string;
  private readonly now: () => number;
  private readonly startEpochMs: number;
  private readonly topology: Topology;
  private readonly schedule: ScheduleClock;
  private readonly listeners = new Set<SplitsListener>();
  private readonly servers = new Map<ClientPod, PodMetricsServer>();
  /** By bare pod name and by `namespace/name`; a bare name may be shared across namespaces. */
  private readonly podsByName = new Map<string, ClientPod[]>();
  private simulatedMs = 0;
  private advancing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor({ scenario, host = '127.0.0.1', now = Date.now }: SimulatorOptions) {
    this.scenario = scenario;
    this.host = host;
    this.now = now;
    this.startEpochMs = now();
    this.topology = buildTopology(scenario, Math.floor(this.startEpochMs / 1000));
    this.schedule = new ScheduleClock(scenario.schedule, scenario.repeat);
    for (const pod of this.topology.clientPods) {
      for (const key of [pod.name, `${pod.namespace}/${pod.name}`]) this.podsByName.set(key, [...(this.podsByName.get(key) ?? []), pod]);
    }
  }

  /** Simulated time since the start, in ms. */
  get elapsedMs(): number {
    return this.simulatedMs;
  }

  /** Starts one metrics server per client pod. */
  async start(): Promise<void> {
    try {
      for (const pod of this.topology.clientPods) {
        if (this.servers.has(pod)) continue;
        const server = new PodMetricsServer({ health: () => pod.health, render: () => this.renderPod(pod), path: metricsPathOf(pod) });
        this.servers.set(pod, server);
        await server.listen(this.host);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops the live clock and closes every server, dropping open connections. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((server) => server.close()));
  }

  /** One scrape target per client pod; start() first. */
  targets(): ScrapeTarget[] {
    return this.topology.clientPods.map((pod) => {
      const server = this.servers.get(pod);
      if (server === undefined) throw new Error('the simulator is not started; call start() first');
      return {
        url: `http://${urlHost(this.host)}:${server.port}${metricsPathOf(pod)}`,
        namespace: pod.namespace,
        pod: pod.name,
        workload: { kind: pod.workload.kind, name: pod.workload.name },
      };
    });
  }

  /** The client pods (the scraped ones), in scenario order. */
  clientPods(): ClientPodInfo[] {
    return this.topology.clientPods.map((pod) => ({
      namespace: pod.namespace,
      pod: pod.name,
      workload: { kind: pod.workload.kind, name: pod.workload.name },
      ip: pod.ip,
      protocol: pod.grpc ? 'grpc' : 'http',
      mesh: pod.mesh,
      labelStyle: pod.style,
    }));
  }

  /** The pods behind a backend Service (what appears as dst_pod), in IP order. */
  backendPods(namespace: string, service: string): string[] {
    return (this.topology.backendPods.get(`${namespace}/${service}`) ?? []).map((endpoint: EndpointPod) => endpoint.pod);
  }

  /** A pod's `/metrics` page as it would be served now (no HTTP; for benchmarks and tests). */
  metricsText(podName: string): string {
    return this.renderPod(this.pod(podName));
  }

  /**
   * Generates `ms` of simulated traffic. Schedule steps apply at their exact times: requests up
   * to and including a step's instant use the old weights, later ones the new.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a finite, non-negative duration, got ${ms}`);
    // A listener that advanced time would split this advance at a point it has already passed.
    if (this.advancing) throw new Error('advance() cannot be called from a splits-changed listener');
    const end = this.simulatedMs + ms;
    const listenerErrors: unknown[] = [];
    this.advancing = true;
    try {
      for (let next = this.schedule.nextAtMs(); next <= end; next = this.schedule.nextAtMs()) {
        this.generate(this.simulatedMs, next);
        this.simulatedMs = next;
        this.applyDueSteps(listenerErrors);
      }
      this.generate(this.simulatedMs, end);
      this.simulatedMs = end;
    } finally {
      this.advancing = false;
    }
    // Listeners are called at each step's instant, but their errors wait until the whole
    // advance is done, so a throwing listener never leaves the simulation half-advanced.
    if (listenerErrors.length > 0) throw new AggregateError(listenerErrors, 'a splits-changed listener threw');
  }

  /**
   * Live mode: advances by real elapsed time (per `now`) every `tickMs` until stop(). A throwing
   * splits listener surfaces from the timer as an uncaught exception, like any timer callback.
   */
  run(tickMs = 100): void {
    if (this.timer !== undefined) return;
    let last = this.now();
    this.timer = setInterval(() => {
      const now = this.now();
      if (now > last) this.advance(now - last);
      last = now;
    }, tickMs);
    // A demo or test that forgets stop() should still be able to exit.
    this.timer.unref();
  }

  /** The splits as they currently are in the simulated cluster, in scenario order (fresh copies). */
  splitManifests(): SplitManifest[] {
    return this.topology.splits.map(splitManifest);
  }

  /** Called on every schedule step (steps at one instant are one change); returns unsubscribe. */
  onSplitsChanged(listener: SplitsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Exact cumulative truth from the start until now. */
  truth(): GroundTruth {
    return snapshot(this.topology.cells, this.simulatedMs);
  }

  /** Exact truth of the requests since an earlier truth() snapshot. */
  truthSince(mark: GroundTruth): GroundTruth {
    return this.truth().since(mark);
  }

  /** Simulates a proxy restart: its counters start from zero again; ground truth is unaffected. */
  resetCounters(podName: string): void {
    const pod = this.pod(podName);
    pod.counters = new ProxyCounters(this.wallSeconds());
    pod.istio = new IstioCounters(this.wallSeconds());
    pod.envoy = envoyCountersFor(pod.mesh, this.wallSeconds());
  }

  /** How the pod's metrics endpoint behaves from now on (see PodHealth). */
  setPodHealth(podName: string, health: PodHealth): void {
    if (!POD_HEALTH_MODES.includes(health)) throw new RangeError(`unknown pod health ${JSON.stringify(health)}; one of ${POD_HEALTH_MODES.join(', ')}`);
    this.pod(podName).health = health;
  }

  private pod(name: string): ClientPod {
    // A bare name is enough unless two namespaces have a pod of that name.
    const found = this.podsByName.get(name) ?? [];
    const [pod] = found;
    if (pod === undefined) throw new Error(`no client pod named ${name}`);
    if (found.length > 1) throw new Error(`pod name ${name} is ambiguous; use namespace/name`);
    return pod;
  }

  private wallSeconds(): number {
    return Math.floor((this.startEpochMs + this.simulatedMs) / 1000);
  }

  private renderPod(pod: ClientPod): string {
    if (pod.mesh === 'istio') {
      const client = { namespace: pod.namespace, workload: pod.workload.name, ip: pod.ip, appPort: CLIENT_APP_PORT };
      return renderIstioSidecarMetrics({ counters: pod.istio, clusterDomain: this.scenario.clusterDomain, client, nowSeconds: this.wallSeconds() });
    }
    if (pod.mesh === 'osm') return renderEnvoySidecarMetrics({ counters: pod.envoy, nowSeconds: this.wallSeconds(), fixedTags: '' });
    // consul-k8s registers a pod under its Service's name; the simulated client's Service is its workload's.
    if (pod.mesh === 'consul') return renderEnvoySidecarMetrics({ counters: pod.envoy, nowSeconds: this.wallSeconds(), fixedTags: consulFixedTags(pod.workload.name) });
    return renderLinkerdProxyMetrics({ style: pod.style, counters: pod.counters, nowSeconds: this.wallSeconds() });
  }

  private applyDueSteps(listenerErrors: unknown[]): void {
    const steps = this.schedule.takeDue(this.simulatedMs);
    if (steps.length === 0) return;
    const changed: NamespacedName[] = [];
    for (const step of steps) {
      const split = this.topology.splits.find((candidate) => candidate.spec.namespace === step.split.namespace && candidate.spec.name === step.split.name);
      if (split === undefined) continue;
      split.setBackends(step.backends);
      if (!changed.some((name) => name.namespace === step.split.namespace && name.name === step.split.name)) changed.push(step.split);
    }
    const change: SplitsChange = { atMs: this.simulatedMs, changed, manifests: this.splitManifests() };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        listenerErrors.push(error);
      }
    }
  }

  /** All traffic issued in (fromMs, toMs], with the splits as they are now. */
  private generate(fromMs: number, toMs: number): void {
    if (toMs <= fromMs) return;
    const issued = (rps: number, t: number) => Math.floor((rps * t) / 1000);
    const periodic = (period: number) => Math.floor(toMs / period) - Math.floor(fromMs / period);
    const { controlPlaneRoute, noAuthorityRoute } = this.topology;
    for (const pod of this.topology.clientPods) {
      for (const stream of pod.streams) {
        const count = issued(stream.rps, toMs) - issued(stream.rps, fromMs);
        for (let i = 0; i < count; i++) this.request(pod, stream);
      }
      // Background traffic: constant latencies, always successful, never part of any split.
      if (pod.mesh === 'istio') {
        // Istio's sidecar reports probes as their destination; its control plane speaks xDS, which it does not count.
        for (let i = periodic(PROBE_PERIOD_MS); i > 0; i--) pod.istio.probe(1);
        continue;
      }
      if (pod.mesh === 'osm' || pod.mesh === 'consul') {
        // OSM's and Consul's Envoy send probes through the pod's own local cluster.
        for (let i = periodic(PROBE_PERIOD_MS); i > 0; i--) pod.envoy.probe(pod.namespace, pod.workload.name, CLIENT_APP_PORT, 1);
        continue;
      }
      const counters = pod.counters;
      for (let i = periodic(PROBE_PERIOD_MS); i > 0; i--) counters.http(pod.inboundRoute, false).record(true, 1);
      for (let i = periodic(CONTROL_PLANE_PERIOD_MS); i > 0; i--) counters.http(controlPlaneRoute, true).record(true, 3);
      for (let i = periodic(NO_AUTHORITY_PERIOD_MS); i > 0; i--) counters.http(noAuthorityRoute, false).record(true, 2);
    }
  }

  private request(pod: ClientPod, stream: CallStream): void {
    const { rng, split } = stream;
    // Always five draws per request, used or not, so the stream stays aligned whatever happens.
    const routeDraw = rng.next();
    const podDraw = rng.next();
    const outcomeDraw = rng.next();
    const latencyDraw1 = rng.next();
    const latencyDraw2 = rng.next();
    const backendIndex = split.pick(routeDraw);
    const backend = split.backends[backendIndex];
    if (backend === undefined) return;
    const podIndex = Math.floor(podDraw * backend.endpoints.length);
    const route = split.routes[backendIndex]![podIndex]!;
    // successRate 1 never fails and 0 always fails, because draws are in [0, 1).
    const ok = outcomeDraw < backend.successRate;
    const latencyMs = backend.latency.sample(latencyDraw1, latencyDraw2);
    if (pod.mesh === 'istio') {
      if (route.kind === 'outbound') pod.istio.request(route.endpoint, pod.grpc, ok, latencyMs);
    } else if (pod.mesh === 'osm' || pod.mesh === 'consul') {
      if (route.kind === 'outbound') pod.envoy.request(route.endpoint, ok, latencyMs);
    }
    else pod.counters.http(route, pod.grpc).record(ok, latencyMs);
    // An HTTPRoute's request is also counted per route backend, as the proxy's route stack does.
    const routeBackend = split.routeBackends?.[backendIndex];
    if (routeBackend !== undefined) pod.counters.routeBackend(routeBackend).record(ok, latencyMs);
    const cell = stream.cells[backendIndex]!;
    if (ok) cell.success += 1;
    else cell.failure += 1;
    cell.latencies.push(latencyMs);
  }
}

/**
 * Each sidecar's own metrics path: Linkerd's admin `/metrics`, Envoy's `/stats/prometheus`
 * (Istio's merged one, OSM's), consul-dataplane's merged `/metrics`.
 */
function metricsPathOf(pod: ClientPod): string {
  return pod.mesh === 'linkerd' || pod.mesh === 'consul' ? '/metrics' : ENVOY_METRICS_PATH;
}

/** How a listening host is written in a URL: wildcard binds are reached over loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
