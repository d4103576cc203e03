// Renders one client pod's proxy counters as a Linkerd proxy's `/metrics` page, with the label
// sets real proxies write (see the fixtures under shared/fixtures/linkerd/proxy-metrics) and the
// unrelated families a real page carries, so consumers have to filter rather than take it all.
//
// Three proxy generations are imitated, because consumers must not depend on label order and
// Linkerd changed what `authority` means in 2.13:
//   legacy (≈ stable-2.8): `authority` first, no target_* labels, no grpc_status label;
//   modern (≈ stable-2.11): `direction` first, target_addr/ip/port, grpc_status on gRPC;
//     `authority` is the apex the client called (both as the 2.12 proxy's endpoint.rs writes it);
//   recent (≈ stable-2.17): the layout of the real Linkerd Enterprise ≥ 2.17 capture in
//     test/fixtures/mesh/linkerd (tls/server_id before dst_*, dst_zone, dst_zone_locality,
//     grpc_status and error on every response); `authority` is the leaf's own address without
//     `:80` (profile.rs dstOverride concretes, NameAddr::as_http_authority), and each concrete
//     backend's balancer is reported in `outbound_http_balancer_endpoints` with the apex as
//     parent and the leaf as backend (profile.rs parent_ref/backend_ref, concrete/metrics.rs).
//     Requests an HTTPRoute split sends are counted there too (policy/router.rs gives a route's
//     backend the same concrete authority and balancer), and a second time in the route-backend
//     families `outbound_{http,grpc}_route_backend_response_{statuses_total,duration_seconds}`:
//     parent_* = the apex, route_* = the HTTPRoute, backend_* = the leaf, then
//     http_status/grpc_status and error; seconds buckets 0.025 … 10 (the real capture
//     …_v2.329ish_website-pr2069_route_metrics_PARTIAL.prom in test/fixtures/mesh/linkerd, and
//     linkerd2-proxy release/v2.299.0 http/logical/policy/route/metrics.rs, metrics/labels.rs,
//     backend/metrics.rs; written by route-backend-exposition.ts).
//
// Speed matters (benchmarks render thousands of pods), so every label prefix is built once per
// route and cached, and the page is one array join.
import { HttpSeries, LATENCY_BUCKETS_MS, LatencyHistogram } from './proxy-counters.js';
import type { EndpointPod, ProxyCounters, Route } from './proxy-counters.js';
import { renderRouteBackends } from './route-backend-exposition.js';

export type LabelStyle = 'legacy' | 'modern' | 'recent';

export interface ProxyView {
  readonly style: LabelStyle;
  readonly counters: ProxyCounters;
  /** Wall-clock now (Unix seconds), for uptime-derived gauges. */
  readonly nowSeconds: number;
}

const BUCKET_LABELS = [...LATENCY_BUCKETS_MS.map(String), '+Inf'];

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function labels(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
}

function dstPairs(endpoint: EndpointPod, withService: boolean): [string, string][] {
  const pairs: [string, string][] = [
    ['dst_control_plane_ns', endpoint.controlPlaneNamespace],
    ['dst_deployment', endpoint.deployment],
    ['dst_namespace', endpoint.namespace],
    ['dst_pod', endpoint.pod],
    ['dst_pod_template_hash', endpoint.templateHash],
  ];
  if (withService) pairs.push(['dst_service', endpoint.service]);
  pairs.push(['dst_serviceaccount', endpoint.serviceAccount]);
  return pairs;
}

function targetPairs(ip: string, port: number): [string, string][] {
  return [
    ['target_addr', `${ip}:${port}`],
    ['target_ip', ip],
    ['target_port', String(port)],
  ];
}

function routeLabels(route: Route, style: LabelStyle): string {
  switch (route.kind) {
    case 'outbound': {
      const { authority, endpoint } = route;
      const tls: [string, string][] = [
        ['tls', 'true'],
        ['server_id', endpoint.serverId],
      ];
      if (style === 'legacy') return labels([['authority', authority], ['direction', 'outbound'], ...dstPairs(endpoint, true), ...tls]);
      if (style === 'recent') {
        return labels([
          ['direction', 'outbound'],
          ['authority', concreteAuthority(authority, endpoint)],
          ...targetPairs(endpoint.ip, endpoint.port),
          ...tls,
          ...dstPairs(endpoint, true),
          ['dst_zone', ''],
          ['dst_zone_locality', 'unknown'],
        ]);
      }
      return labels([['direction', 'outbound'], ['authority', authority], ...targetPairs(endpoint.ip, endpoint.port), ...dstPairs(endpoint, true), ...tls]);
    }
    case 'outbound-no-authority':
      return labels([
        ['direction', 'outbound'],
        ['tls', 'no_identity'],
        ['no_tls_reason', 'no_authority_in_http_request'],
      ]);
    case 'inbound':
      if (style === 'legacy') {
        return labels([
          ['direction', 'inbound'],
          ['tls', 'no_identity'],
          ['no_tls_reason', 'not_provided_by_remote'],
        ]);
      }
      if (style === 'recent') {
        return labels([
          ['direction', 'inbound'],
          ...targetPairs(route.ip, route.port),
          ['tls', 'no_identity'],
          ['no_tls_reason', 'no_tls_from_remote'],
          ['srv_group', ''],
          ['srv_kind', 'default'],
          ['srv_name', 'all-unauthenticated'],
          ['srv_port', String(route.port)],
          ['route_group', ''],
          ['route_kind', 'default'],
          ['route_name', 'default'],
          ['authz_group', ''],
          ['authz_kind', 'default'],
          ['authz_name', 'all-unauthenticated'],
        ]);
      }
      return labels([
        ['direction', 'inbound'],
        ...targetPairs(route.ip, route.port),
        ['tls', 'no_identity'],
        ['no_tls_reason', 'no_tls_from_remote'],
        ['srv_kind', 'default'],
        ['srv_name', 'all-unauthenticated'],
        ['authz_kind', 'default'],
        ['authz_name', 'all-unauthenticated'],
      ]);
  }
}

/** The leaf's own address on the apex's port: `backend-v2.ns.svc.cluster.local:8080`, no `:80`. */
function concreteAuthority(apexAuthority: string, endpoint: EndpointPod): string {
  const leaf = `${endpoint.service}${apexAuthority.slice(apexAuthority.indexOf('.'))}`;
  return leaf.endsWith(':80') ? leaf.slice(0, -':80'.length) : leaf;
}

function tcpDstLabels(endpoint: EndpointPod, style: LabelStyle): string {
  const head: [string, string][] = [
    ['direction', 'outbound'],
    ['peer', 'dst'],
  ];
  const tls: [string, string][] = [
    ['tls', 'true'],
    ['server_id', endpoint.serverId],
  ];
  if (style === 'legacy') return labels([...head, ...tls, ...dstPairs(endpoint, false)]);
  return labels([...head, ...targetPairs(endpoint.ip, endpoint.port), ...tls, ...dstPairs(endpoint, false)]);
}

function tcpSrcLabels(route: Extract<Route, { kind: 'inbound' }>, style: LabelStyle): string {
  const head: [string, string][] = [
    ['direction', 'inbound'],
    ['peer', 'src'],
  ];
  if (style === 'legacy') return labels([...head, ['tls', 'no_identity'], ['no_tls_reason', 'not_provided_by_remote']]);
  return labels([
    ...head,
    ...targetPairs(route.ip, route.port),
    ['tls', 'no_identity'],
    ['no_tls_reason', 'no_tls_from_remote'],
    ['srv_kind', 'default'],
    ['srv_name', 'all-unauthenticated'],
  ]);
}

// Route and endpoint objects live as long as the simulation, and are shared by every client pod
// that talks to them, so each label string is built once per style.
const routeCache: Record<LabelStyle, WeakMap<Route, string>> = { legacy: new WeakMap(), modern: new WeakMap(), recent: new WeakMap() };
const tcpCache: Record<LabelStyle, WeakMap<EndpointPod, string>> = { legacy: new WeakMap(), modern: new WeakMap(), recent: new WeakMap() };
const tcpSrcCache: Record<LabelStyle, WeakMap<Route, string>> = { legacy: new WeakMap(), modern: new WeakMap(), recent: new WeakMap() };

function cached<K extends object>(cache: WeakMap<K, string>, key: K, build: () => string): string {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

function family(out: string[], name: string, type: string, help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

// Per request, what a small JSON request/response pair costs on the wire.
const BYTES_WRITTEN_PER_REQUEST = 213;
const BYTES_READ_PER_REQUEST = 389;

export function renderLinkerdProxyMetrics(view: ProxyView): string {
  const { style, counters } = view;
  const out: string[] = [];
  const routes = [...counters.series.values()];
  const prefix = (series: HttpSeries) => cached(routeCache[style], series.route, () => routeLabels(series.route, style));
  // A proxy keeps one counter per label set. Since 2.13 a request's labels name the leaf, not the
  // apex, so calls to one leaf through two apexes are one series there.
  const all = style === 'recent' ? mergeSameLabels(routes, prefix) : routes;
  const inbound = all.filter((series) => series.route.kind === 'inbound');
  const inboundRequests = inbound.reduce((sum, series) => sum + series.requests, 0);

  if (style !== 'legacy') {
    family(out, 'inbound_http_authz_allow_total', 'counter', 'The total number of inbound HTTP requests that were authorized');
    for (const series of inbound) out.push(`inbound_http_authz_allow_total{${prefix(series)}} ${series.requests}`);
  }
  family(out, 'identity_cert_expiration_timestamp_seconds', 'gauge', "Time when the this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch).");
  out.push(`identity_cert_expiration_timestamp_seconds ${counters.startTimeSeconds + 86_400}`);
  family(out, 'identity_cert_refresh_count', 'counter', "The total number of times this proxy's mTLS identity certificate has been refreshed by the Identity service.");
  out.push('identity_cert_refresh_count 1');

  family(out, 'request_total', 'counter', 'Total count of HTTP requests.');
  for (const series of all) out.push(`request_total{${prefix(series)}} ${series.requests}`);

  family(out, 'response_latency_ms', 'histogram', "Elapsed times between a request's headers being received and its response stream completing");
  for (const series of all) {
    for (const [status, histogram] of series.latency) {
      const base = `${prefix(series)},status_code="${status}"`;
      let cumulative = 0;
      for (let i = 0; i < BUCKET_LABELS.length; i++) {
        cumulative += histogram.counts[i] ?? 0;
        out.push(`response_latency_ms_bucket{${base},le="${BUCKET_LABELS[i]}"} ${cumulative}`);
      }
      out.push(`response_latency_ms_count{${base}} ${histogram.count}`, `response_latency_ms_sum{${base}} ${histogram.sum}`);
    }
  }

  family(out, 'response_total', 'counter', 'Total count of HTTP responses.');
  for (const series of all) {
    const labels = prefix(series);
    // gRPC reports failures in a trailer, not the HTTP status; newer proxies label it, and the
    // newest write grpc_status and error on every response (core/src/metrics.rs, Class).
    const grpcLabel = (status: number) =>
      style === 'recent' ? `,grpc_status="${series.grpc ? status : ''}",error=""` : series.grpc && style === 'modern' ? `,grpc_status="${status}"` : '';
    if (series.success > 0) out.push(`response_total{${labels},status_code="200",classification="success"${grpcLabel(0)}} ${series.success}`);
    if (series.failure > 0) {
      const status = series.grpc ? 200 : 500;
      out.push(`response_total{${labels},status_code="${status}",classification="failure"${grpcLabel(14)}} ${series.failure}`);
    }
  }

  renderTcp(out, view, all, inbound, inboundRequests);
  if (style === 'recent') {
    renderBalancers(out, routes);
    // Only 2.17 clients may call an HTTPRoute split (scenario-references.ts).
    renderRouteBackends(out, [...counters.routeBackends.values()]);
  }
  renderProcess(out, view, all.length);
  return `${out.join('\n')}\n`;
}

function renderTcp(out: string[], view: ProxyView, all: readonly HttpSeries[], inbound: readonly HttpSeries[], inboundRequests: number): void {
  const { style } = view;
  // Connections are per endpoint pod, whatever authority reached it.
  const byEndpoint = new Map<EndpointPod, number>();
  for (const series of all) {
    if (series.route.kind !== 'outbound') continue;
    const endpoint = series.route.endpoint;
    byEndpoint.set(endpoint, (byEndpoint.get(endpoint) ?? 0) + series.requests);
  }
  const inboundRoute = inbound[0]?.route;
  const srcLabels = inboundRoute?.kind === 'inbound' ? cached(tcpSrcCache[style], inboundRoute, () => tcpSrcLabels(inboundRoute, style)) : undefined;
  const dst = [...byEndpoint].map(([endpoint, requests]) => [cached(tcpCache[style], endpoint, () => tcpDstLabels(endpoint, style)), requests] as const);

  // Probes open a connection each; meshed connections stay open for the pod's lifetime.
  family(out, 'tcp_open_total', 'counter', 'Total count of opened connections');
  if (srcLabels !== undefined) out.push(`tcp_open_total{${srcLabels}} ${inboundRequests}`);
  for (const [labels] of dst) out.push(`tcp_open_total{${labels}} 1`);
  family(out, 'tcp_open_connections', 'gauge', 'Number of currently-open connections');
  if (srcLabels !== undefined) out.push(`tcp_open_connections{${srcLabels}} 0`);
  for (const [labels] of dst) out.push(`tcp_open_connections{${labels}} 1`);
  family(out, 'tcp_read_bytes_total', 'counter', 'Total count of bytes read from peers');
  if (srcLabels !== undefined) out.push(`tcp_read_bytes_total{${srcLabels}} ${inboundRequests * 106}`);
  for (const [labels, requests] of dst) out.push(`tcp_read_bytes_total{${labels}} ${requests * BYTES_READ_PER_REQUEST}`);
  family(out, 'tcp_write_bytes_total', 'counter', 'Total count of bytes written to peers');
  if (srcLabels !== undefined) out.push(`tcp_write_bytes_total{${srcLabels}} ${inboundRequests * 2181}`);
  for (const [labels, requests] of dst) out.push(`tcp_write_bytes_total{${labels}} ${requests * BYTES_WRITTEN_PER_REQUEST}`);
  family(out, 'tcp_close_total', 'counter', 'Total count of closed connections');
  if (srcLabels !== undefined) out.push(`tcp_close_total{${srcLabels},errno=""} ${inboundRequests}`);
}

function mergeSameLabels(series: readonly HttpSeries[], labelsOf: (series: HttpSeries) => string): HttpSeries[] {
  const merged = new Map<string, HttpSeries>();
  for (const one of series) {
    const key = labelsOf(one);
    const into = merged.get(key);
    if (into === undefined) {
      merged.set(key, one);
      continue;
    }
    // Summed into a fresh series: the counters themselves belong to the simulation.
    const sum = new HttpSeries(into.route, into.grpc);
    for (const part of [into, one]) {
      sum.requests += part.requests;
      sum.success += part.success;
      sum.failure += part.failure;
      for (const [status, histogram] of part.latency) {
        const target = sum.latency.get(status) ?? new LatencyHistogram();
        for (let i = 0; i < histogram.counts.length; i++) target.counts[i] = (target.counts[i] ?? 0) + (histogram.counts[i] ?? 0);
        target.sum += histogram.sum;
        target.count += histogram.count;
        sum.latency.set(status, target);
      }
    }
    merged.set(key, sum);
  }
  return [...merged.values()];
}

/** One balancer per concrete backend the pod sent requests to; every endpoint of it ready. */
function renderBalancers(out: string[], all: readonly HttpSeries[]): void {
  const balancers = new Map<string, { apex: string; port: string; endpoint: EndpointPod; endpoints: Set<EndpointPod> }>();
  for (const series of all) {
    if (series.route.kind !== 'outbound' || series.requests === 0) continue;
    const { authority, endpoint } = series.route;
    const colon = authority.lastIndexOf(':');
    const apex = authority.slice(0, authority.indexOf('.'));
    const key = `${apex}/${endpoint.namespace}/${endpoint.service}`;
    const balancer = balancers.get(key) ?? { apex, port: colon < 0 ? '80' : authority.slice(colon + 1), endpoint, endpoints: new Set() };
    balancer.endpoints.add(endpoint);
    balancers.set(key, balancer);
  }
  if (balancers.size === 0) return;
  family(out, 'outbound_http_balancer_endpoints', 'gauge', 'The number of endpoints currently in a HTTP request balancer');
  for (const { apex, port, endpoint, endpoints } of balancers.values()) {
    const refs = (scope: string, name: string) =>
      `${scope}_group="core",${scope}_kind="Service",${scope}_namespace="${escapeLabelValue(endpoint.namespace)}",${scope}_name="${escapeLabelValue(name)}",${scope}_port="${port}",${scope}_section_name=""`;
    const both = `${refs('parent', apex)},${refs('backend', endpoint.service)}`;
    out.push(`outbound_http_balancer_endpoints{endpoint_state="ready",${both}} ${endpoints.size}`);
    out.push(`outbound_http_balancer_endpoints{endpoint_state="pending",${both}} 0`);
  }
}

function renderProcess(out: string[], view: ProxyView, seriesCount: number): void {
  const { counters, style } = view;
  const uptime = Math.max(0, view.nowSeconds - counters.startTimeSeconds);
  let requests = 0;
  for (const series of counters.series.values()) requests += series.requests;
  family(out, 'process_start_time_seconds', 'gauge', 'Time that the process started (in seconds since the UNIX epoch)');
  out.push(`process_start_time_seconds ${counters.startTimeSeconds}`);
  family(out, 'process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.');
  out.push(`process_cpu_seconds_total ${(0.07 + uptime * 0.0004 + requests * 0.00002).toFixed(2)}`);
  family(out, 'process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.');
  out.push('process_virtual_memory_bytes 107995136');
  family(out, 'process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
  out.push(`process_resident_memory_bytes ${17_805_312 + seriesCount * 4096}`);
  family(out, 'process_open_fds', 'gauge', 'Number of open file descriptors.');
  out.push(`process_open_fds ${22 + seriesCount}`);
  family(out, 'process_max_fds', 'gauge', 'Maximum number of open file descriptors.');
  out.push('process_max_fds 1048576');
  family(out, 'proxy_build_info', 'gauge', 'Proxy build info');
  const version = style === 'legacy' ? 'stable-2.8.1' : style === 'modern' ? 'stable-2.11.4' : 'stable-2.17.1';
  out.push(`proxy_build_info{git_branch="HEAD",git_sha="279b301",git_version="${version}",profile="release",rust_version="rustc 1.59.0 (9d1b2106e 2022-02-23)"} 1`);
}
