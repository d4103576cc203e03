// Linkerd proxy metrics → split traffic. A client proxy's outbound `response_total` and
// `response_latency_ms` series carry the address the client's request went to (`authority`) and
// the leaf that served it (`dst_service`). Up to 2.12 that address is the apex, which is exactly
// what `linkerd viz stat ts` read; since 2.13 it is the leaf itself (see generation.ts), and the
// splits that list the leaf stand in for the apex.
//
// Traffic an HTTPRoute sends is also counted per route and backend (proxy ≥ v2.242, Linkerd
// 2.16): `outbound_http_route_backend_response_statuses_total` and `…_duration_seconds`, labelled
// parent_* (the Service called), route_* (the route) and backend_* (the Service that served).
// Those series are exact and are the only ones an HTTPRoute split reads (route/metrics/labels.rs;
// classification as `linkerd viz stat-outbound`: a failure is an HTTP 5xx or a non-empty
// `error`). The `outbound_grpc_route_*` families belong to GRPCRoutes, which make no split.
import type { MeshAdapter, SeriesDestination, SeriesMeaning } from '../adapter.js';
import { routeId } from '../adapter.js';
import { parseBound } from '../histogram-bounds.js';
import { parseServiceAuthority } from './authority.js';
import { LINKERD_GENERATIONS, LINKERD_LEAF_AUTHORITY, linkerdGeneration } from './generation.js';

/** The proxy's fixed latency buckets (ms). */
export const LINKERD_LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000,
  40000, 50000, Number.POSITIVE_INFINITY,
];

/** The route-backend response histogram's bounds (route/metrics.rs RESPONSE_BUCKETS, seconds), in ms. */
export const LINKERD_ROUTE_LATENCY_BUCKETS_MS: readonly number[] = [25, 50, 100, 250, 500, 1000, 10000, Number.POSITIVE_INFINITY];

const ROUTE_STATUSES = 'outbound_http_route_backend_response_statuses_total';
const ROUTE_LATENCY_BUCKET = 'outbound_http_route_backend_response_duration_seconds_bucket';
const ROUTE_LATENCY_SUM = 'outbound_http_route_backend_response_duration_seconds_sum';
/**
 * The route families' `le` (seconds, as the proxy's metrics crate prints an f64: `0.025`, `1.0`)
 * → the bound in ms exactly as the layout has it, matched by value in microseconds.
 */
const ROUTE_BOUND_BY_MICROS = new Map(LINKERD_ROUTE_LATENCY_BUCKETS_MS.map((ms) => [microsOf(ms / 1000), ms]));

function microsOf(seconds: number): number {
  return seconds === Number.POSITIVE_INFINITY ? seconds : Math.round(seconds * 1e6);
}

/** A Service name (DNS-1035 label) and an object or API group name (DNS-1123 subdomain). */
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OBJECT_NAME = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)?$/;

const RESPONSES = 'response_total';
const LATENCY_BUCKET = 'response_latency_ms_bucket';
const LATENCY_SUM = 'response_latency_ms_sum';
/** 2.13+: one gauge per (parent, backend) balancer, parent = the Service called (profile.rs). */
const BALANCER = 'outbound_http_balancer_endpoints';

export interface LinkerdAdapterOptions {
  readonly clusterDomain?: string;
}

export function createLinkerdAdapter({ clusterDomain = 'cluster.local' }: LinkerdAdapterOptions = {}): MeshAdapter {
  const knownBounds = new Set(LINKERD_LATENCY_BUCKETS_MS);

  function destinationOf(labels: Readonly<Record<string, string>>, generation: string): SeriesDestination | null {
    if (labels.direction !== 'outbound') return null;
    const authority = labels.authority;
    const leaf = labels.dst_service;
    if (authority === undefined || leaf === undefined || !SERVICE_NAME.test(leaf)) return null;
    const addressed = parseServiceAuthority(authority, clusterDomain);
    if (addressed === null) return null;
    // SMI backends live in the split's namespace; a leaf elsewhere is not one of its backends.
    const leafNamespace = labels.dst_namespace;
    if (leafNamespace !== undefined && leafNamespace !== addressed.namespace) return null;
    if (generation === LINKERD_LEAF_AUTHORITY) {
      // The address is the concrete backend's own: anything else is not a Service backend.
      if (addressed.service !== leaf) return null;
      return { kind: 'leaf', namespace: addressed.namespace, leaf };
    }
    return { kind: 'edge', edge: { apexNamespace: addressed.namespace, apex: addressed.service, leaf } };
  }

  return {
    mesh: 'linkerd',
    latencyBucketsMs: LINKERD_LATENCY_BUCKETS_MS,
    routeLatencyBucketsMs: LINKERD_ROUTE_LATENCY_BUCKETS_MS,
    generations: LINKERD_GENERATIONS,
    generation: linkerdGeneration,
    acceptMetric: (name) =>
      name === RESPONSES ||
      name === LATENCY_BUCKET ||
      name === LATENCY_SUM ||
      name === BALANCER ||
      name === ROUTE_STATUSES ||
      name === ROUTE_LATENCY_BUCKET ||
      name === ROUTE_LATENCY_SUM,
    interpret(name, labels, generation): SeriesMeaning | null {
      if (name === BALANCER) return concreteOf(labels);
      if (name === ROUTE_STATUSES || name === ROUTE_LATENCY_BUCKET || name === ROUTE_LATENCY_SUM) return routeMeaning(name, labels);
      const to = destinationOf(labels, generation);
      if (to === null) return null;
      if (name === RESPONSES) {
        const classification = labels.classification;
        if (classification !== 'success' && classification !== 'failure') return null;
        return { kind: 'response', to, outcome: classification };
      }
      if (name === LATENCY_BUCKET) {
        const le = parseBound(labels.le);
        // Bounds the proxy never uses would make the summed histogram inconsistent: skip them.
        if (le === null || !knownBounds.has(le)) return null;
        return { kind: 'latency', to, leMs: le };
      }
      if (name === LATENCY_SUM) return { kind: 'latency-sum', to };
      return null;
    },
  };
}

/** One route-backend series: the route's edge from its parent Service to the backend Service. */
function routeMeaning(name: string, labels: Readonly<Record<string, string>>): SeriesMeaning | null {
  const to = routeDestination(labels);
  if (to === null) return null;
  if (name === ROUTE_STATUSES) {
    const failed = (labels.http_status ?? '').startsWith('5') || (labels.error ?? '') !== '';
    return { kind: 'response', to, outcome: failed ? 'failure' : 'success' };
  }
  if (name === ROUTE_LATENCY_SUM) return { kind: 'latency-sum', to, unitMs: 1000 };
  const le = parseBound(labels.le);
  const leMs = le === null ? undefined : ROUTE_BOUND_BY_MICROS.get(microsOf(le));
  return leMs === undefined ? null : { kind: 'latency', to, leMs };
}

/**
 * Only a route of the parent Service's own namespace (a producer route: every client of the
 * Service follows it) to a Service of that namespace; a consumer route or another backend kind
 * is no split's.
 */
function routeDestination(labels: Readonly<Record<string, string>>): SeriesDestination | null {
  const { parent_kind: parentKind, parent_namespace: namespace, parent_name: apex, route_kind: routeKind, route_namespace: routeNamespace } = labels;
  const { route_group: group, route_name: route, backend_kind: backendKind, backend_namespace: backendNamespace, backend_name: leaf } = labels;
  if (parentKind !== 'Service' || backendKind !== 'Service' || routeKind !== 'HTTPRoute') return null;
  if (namespace === undefined || apex === undefined || leaf === undefined || group === undefined || route === undefined) return null;
  if (routeNamespace !== namespace || backendNamespace !== namespace) return null;
  // Names only: a label value that is not one could forge another edge's key.
  if (!SERVICE_NAME.test(apex) || !SERVICE_NAME.test(leaf) || !OBJECT_NAME.test(route) || !OBJECT_NAME.test(group)) return null;
  return { kind: 'edge', edge: { apexNamespace: namespace, apex, leaf, route: routeId(group, route) } };
}

/** A balancer between two Services of one namespace (SMI backends live in the split's). */
function concreteOf(labels: Readonly<Record<string, string>>): SeriesMeaning | null {
  const { parent_kind: parentKind, backend_kind: backendKind, parent_namespace: namespace, parent_name: parent, backend_namespace: leafNamespace, backend_name: leaf } = labels;
  if (parentKind !== 'Service' || backendKind !== 'Service') return null;
  if (namespace === undefined || parent === undefined || leaf === undefined || namespace !== leafNamespace) return null;
  return { kind: 'concrete', namespace, parent, leaf };
}
