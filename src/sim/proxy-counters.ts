// What one client pod's proxy has counted since it (re)started. Rendering these as Linkerd's
// text format is linkerd-exposition.ts's job; this module only keeps numbers.

/** Linkerd's response_latency_ms bucket bounds (ms); +Inf is implied after the last. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000,
];

/**
 * The route-backend response histogram's bounds (ms): linkerd2-proxy's RESPONSE_BUCKETS in
 * http/logical/policy/route/metrics.rs are 0.025 … 10 seconds; +Inf is implied after the last.
 */
export const ROUTE_LATENCY_BUCKETS_MS: readonly number[] = [25, 50, 100, 250, 500, 1000, 10000];

/** Index of the first bucket whose bound is ≥ ms (Prometheus buckets are `le`); +Inf last. */
export function bucketIndex(ms: number, bounds: readonly number[] = LATENCY_BUCKETS_MS): number {
  // A linear scan beats binary search here: most latencies fall in the first dozen buckets.
  let i = 0;
  while (i < bounds.length && (bounds[i] ?? Infinity) < ms) i++;
  return i;
}

export class LatencyHistogram {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  /** Sum of the observations in ms; they are whole ms, so it stays exact. */
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BUCKETS_MS) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(ms: number): void {
    this.counts[bucketIndex(ms, this.bounds)]! += 1;
    this.sum += ms;
    this.count += 1;
  }
}

/** A meshed pod that receives traffic: everything Linkerd's destination service says about it. */
export interface EndpointPod {
  readonly ip: string;
  readonly port: number;
  readonly namespace: string;
  readonly service: string;
  readonly deployment: string;
  readonly pod: string;
  readonly templateHash: string;
  readonly serviceAccount: string;
  /** mTLS identity the client proxy verified: `<sa>.<ns>.serviceaccount.identity.linkerd.<domain>`. */
  readonly serverId: string;
  readonly controlPlaneNamespace: string;
}

/** Where an HTTP series points. One object per distinct label set, shared by every pod. */
export type Route =
  /** Outbound to `pod`, addressed by `authority` (the apex FQDN:port for split traffic). */
  | { readonly kind: 'outbound'; readonly authority: string; readonly endpoint: EndpointPod }
  /** Outbound requests without an authority (raw-IP HTTP/1.0 clients): no dst_* labels at all. */
  | { readonly kind: 'outbound-no-authority' }
  /** Inbound to the pod's own app port (kubelet probes): no TLS, no authority. */
  | { readonly kind: 'inbound'; readonly ip: string; readonly port: number };

export class HttpSeries {
  requests = 0;
  success = 0;
  failure = 0;
  /** Per HTTP status code; gRPC answers 200 whatever the grpc-status, so it has one entry. */
  readonly latency = new Map<number, LatencyHistogram>();

  constructor(
    readonly route: Route,
    readonly grpc: boolean,
  ) {}

  record(ok: boolean, latencyMs: number): void {
    this.requests += 1;
    if (ok) this.success += 1;
    else this.failure += 1;
    const status = ok || this.grpc ? 200 : 500;
    let histogram = this.latency.get(status);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.latency.set(status, histogram);
    }
    histogram.observe(latencyMs);
  }
}

/**
 * One backend of an HTTPRoute as the proxy's route metrics name it: the parent Service the client
 * called, the route, and the backend Service (ParentRef, RouteRef, BackendRef). All three live in
 * one namespace, as the simulator only builds producer routes to Services of their own namespace.
 */
export interface RouteBackendRef {
  readonly namespace: string;
  readonly parent: string;
  readonly port: number;
  /** The route's API group (`gateway.networking.k8s.io` or `policy.linkerd.io`). */
  readonly routeGroup: string;
  readonly route: string;
  readonly backend: string;
}

/** What `outbound_http_route_backend_response_*` count for one route backend. */
export class RouteBackendSeries {
  success = 0;
  failure = 0;
  /** Durations of every response, whatever its status: the duration family has no status label. */
  readonly latency = new LatencyHistogram(ROUTE_LATENCY_BUCKETS_MS);

  constructor(readonly ref: RouteBackendRef) {}

  record(ok: boolean, latencyMs: number): void {
    if (ok) this.success += 1;
    else this.failure += 1;
    this.latency.observe(latencyMs);
  }
}

export class ProxyCounters {
  /** In first-use order, like a proxy that creates a series on its first request. */
  readonly series = new Map<Route, HttpSeries>();
  /** Route-backend series of HTTPRoute traffic (2.17 proxies only), in first-use order. */
  readonly routeBackends = new Map<RouteBackendRef, RouteBackendSeries>();

  constructor(
    /** Wall-clock start of this proxy process (Unix seconds), for process_start_time_seconds. */
    readonly startTimeSeconds: number,
  ) {}

  /** The series for a route, created on first use. */
  http(route: Route, grpc: boolean): HttpSeries {
    let series = this.series.get(route);
    if (series === undefined) {
      series = new HttpSeries(route, grpc);
      this.series.set(route, series);
    }
    return series;
  }

  /** The route-backend series for an HTTPRoute backend, created on first use. */
  routeBackend(ref: RouteBackendRef): RouteBackendSeries {
    let series = this.routeBackends.get(ref);
    if (series === undefined) {
      series = new RouteBackendSeries(ref);
      this.routeBackends.set(ref, series);
    }
    return series;
  }
}

/**
 * Istio's `istio_request_duration_milliseconds` default bounds (ms), as the real 1.7.1 sidecar
 * page in shared/fixtures/istio has them; +Inf is implied after the last.
 */
export const ISTIO_LATENCY_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/**
 * One `istio_requests_total` label set of a sidecar: Istio labels the destination workload and
 * Service, not the endpoint pod nor the address the client called, and each response code (and
 * gRPC status) is a series of its own, with its own latency histogram.
 */
export class IstioSeries {
  requests = 0;
  readonly latency = new LatencyHistogram(ISTIO_LATENCY_BUCKETS_MS);

  constructor(
    readonly reporter: 'source' | 'destination',
    /** The leaf's pod (any of its deployment's: only workload-level labels are written); undefined for a probe. */
    readonly endpoint: EndpointPod | undefined,
    readonly responseCode: string,
    /** `""` for plain HTTP. */
    readonly grpcStatus: string,
  ) {}

  record(latencyMs: number): void {
    this.requests += 1;
    this.latency.observe(latencyMs);
  }
}

/** What an Istio sidecar counted since it started: its series in first-use order. */
export class IstioCounters {
  readonly series = new Map<string, IstioSeries>();
  /** Failures so far, to vary how they show (see request()). */
  #failures = 0;

  constructor(readonly startTimeSeconds: number) {}

  /**
   * One request the client's sidecar sent to a leaf pod. A failure is a 503, or on gRPC an
   * UNAVAILABLE status under HTTP 200; one HTTP failure in four never got a response
   * (`response_code="0"`, the stream reset), which Istio reports too.
   */
  request(endpoint: EndpointPod, grpc: boolean, ok: boolean, latencyMs: number): void {
    let code = '200';
    let grpcStatus = grpc ? '0' : '';
    if (!ok) {
      if (grpc) grpcStatus = '14';
      else code = this.#failures++ % 4 === 3 ? '0' : '503';
    }
    this.#series('source', endpoint, code, grpcStatus).record(latencyMs);
  }

  /** A kubelet probe of the pod's own app, which its sidecar reports as the destination. */
  probe(latencyMs: number): void {
    this.#series('destination', undefined, '200', '').record(latencyMs);
  }

  #series(reporter: 'source' | 'destination', endpoint: EndpointPod | undefined, code: string, grpcStatus: string): IstioSeries {
    const key = `${reporter}|${endpoint === undefined ? '' : `${endpoint.namespace}/${endpoint.deployment}/${endpoint.service}`}|${code}|${grpcStatus}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = new IstioSeries(reporter, endpoint, code, grpcStatus);
      this.series.set(key, series);
    }
    return series;
  }
}

/** Envoy's default histogram bounds (ms), which `upstream_rq_time` uses; +Inf is implied after the last. */
export const ENVOY_LATENCY_BUCKETS_MS: readonly number[] = ISTIO_LATENCY_BUCKETS_MS;

/** One Envoy cluster's response counters: by status code, and the durations of its responses. */
export class EnvoyClusterSeries {
  /** Responses by HTTP status code, in first-use order. */
  readonly byCode = new Map<number, number>();
  readonly latency = new LatencyHistogram(ENVOY_LATENCY_BUCKETS_MS);

  constructor(
    /** The cluster's own stats tags as Envoy writes them, e.g. `envoy_cluster_name="ns/svc|80"` (EnvoyClusterNaming). */
    readonly tags: string,
  ) {}

  record(code: number, latencyMs: number): void {
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    this.latency.observe(latencyMs);
  }
}

/** How an Envoy-based mesh's sidecar tags the clusters it sends requests through (envoy-exposition.ts). */
export interface EnvoyClusterNaming {
  /** The cluster of a backend Service, which a request to that endpoint goes through. */
  upstream(endpoint: EndpointPod): string;
  /** The pod's own app's cluster, which kubelet probes go through. */
  local(namespace: string, service: string, port: number): string;
}

/** What an Envoy-based mesh's sidecar counted since it started, per cluster in first-use order. */
export class EnvoyCounters {
  readonly clusters = new Map<string, EnvoyClusterSeries>();

  constructor(
    readonly startTimeSeconds: number,
    readonly naming: EnvoyClusterNaming,
  ) {}

  /** One request to a leaf pod through the leaf Service's cluster: a 200, or a 503 when it failed. */
  request(endpoint: EndpointPod, ok: boolean, latencyMs: number): void {
    this.#cluster(this.naming.upstream(endpoint)).record(ok ? 200 : 503, latencyMs);
  }

  /** A kubelet probe of the pod's own app, through its local cluster. */
  probe(namespace: string, service: string, port: number, latencyMs: number): void {
    this.#cluster(this.naming.local(namespace, service, port)).record(200, latencyMs);
  }

  #cluster(tags: string): EnvoyClusterSeries {
    let series = this.clusters.get(tags);
    if (series === undefined) {
      series = new EnvoyClusterSeries(tags);
      this.clusters.set(tags, series);
    }
    return series;
  }
}
