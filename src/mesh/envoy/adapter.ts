// Envoy-based meshes that name each upstream cluster after the Service it reaches → split
// traffic. A client sidecar's Envoy counts the responses of each upstream cluster in
// `envoy_cluster_upstream_rq_xx` (by `envoy_response_code_class`) and their durations in the
// `envoy_cluster_upstream_rq_time` histogram (ms, Envoy's default buckets). Envoy's default tag
// extraction puts the cluster's name in `envoy_cluster_name` (source/common/config/
// well_known_names.cc), so a mesh whose cluster names say `<namespace>/<service>` can be read
// from Envoy's own families.
//
// Open Service Mesh names an outbound cluster `<namespace>/<service>|<targetPort>` (osm ≥ v0.11,
// pkg/service/types.go EnvoyClusterName) and routes a TrafficSplit's apex to one weighted cluster
// per backend (pkg/catalog/outbound_traffic_policies.go), so a cluster is a leaf, as for Istio;
// `…|local` is the server side's cluster of its own app and is skipped.
//
// Failures: a 5xx response, which includes the 503/504 Envoy answers itself when no upstream
// answered (no healthy host, connect failure, reset before the response, timeout: router.cc
// chargeUpstreamCode). gRPC statuses are not in these families: a gRPC failure under HTTP 200
// counts as a success (README: Envoy-based meshes).
import type { MeshAdapter, SeriesDestination, SeriesMeaning } from '../adapter.js';
import { ENVOY_DEFAULT_BUCKETS_MS, parseBound } from '../histogram-bounds.js';

export const OSM_MESH = 'osm';
/** Envoy's default histogram layout (TrafficEdge.layout), the bounds of `upstream_rq_time`. */
export const ENVOY_LAYOUT = 'envoy';

/** `upstream_rq_time`'s bounds (ms): Envoy's defaults. */
export const ENVOY_LATENCY_BUCKETS_MS: readonly number[] = ENVOY_DEFAULT_BUCKETS_MS;

export const ENVOY_RESPONSES = 'envoy_cluster_upstream_rq_xx';
export const ENVOY_LATENCY_BUCKET = 'envoy_cluster_upstream_rq_time_bucket';
export const ENVOY_LATENCY_SUM = 'envoy_cluster_upstream_rq_time_sum';

/** `<namespace>/<service>|<port>`: a namespace (DNS-1123 label), a Service (DNS-1035 label), a port. */
const OSM_CLUSTER = /^([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)\|(\d{1,5})$/;

/** The leaf an OSM outbound cluster reaches, or null for anything else (`|local`, Envoy's own clusters). */
export function osmClusterLeaf(clusterName: string | undefined): { readonly namespace: string; readonly leaf: string } | null {
  const match = clusterName === undefined ? null : OSM_CLUSTER.exec(clusterName);
  if (match === null) return null;
  return { namespace: match[1] as string, leaf: match[2] as string };
}

export function isEnvoyMetric(name: string): boolean {
  return name === ENVOY_RESPONSES || name === ENVOY_LATENCY_BUCKET || name === ENVOY_LATENCY_SUM;
}

const KNOWN_BOUNDS = new Set(ENVOY_LATENCY_BUCKETS_MS);

/** What one series of an OSM sidecar means, or null when it is not a response of a Service's cluster. */
export function interpretOsm(name: string, labels: Readonly<Record<string, string>>): SeriesMeaning | null {
  const leaf = osmClusterLeaf(labels.envoy_cluster_name);
  if (leaf === null) return null;
  const to: SeriesDestination = { kind: 'leaf', namespace: leaf.namespace, leaf: leaf.leaf, layout: ENVOY_LAYOUT };
  if (name === ENVOY_RESPONSES) {
    const codeClass = labels.envoy_response_code_class;
    if (codeClass === undefined || !/^[1-5]$/.test(codeClass)) return null;
    return { kind: 'response', to, outcome: codeClass === '5' ? 'failure' : 'success' };
  }
  if (name === ENVOY_LATENCY_SUM) return { kind: 'latency-sum', to };
  if (name === ENVOY_LATENCY_BUCKET) {
    const le = parseBound(labels.le);
    return le === null || !KNOWN_BOUNDS.has(le) ? null : { kind: 'latency', to, leMs: le };
  }
  return null;
}

/**
 * A page whose Envoy names a cluster as OSM does is an OSM sidecar's. Envoy writes its cluster
 * families from the start, and OSM's local cluster (`<ns>/<svc>|<port>|local`) is on every
 * injected pod that serves a Service, so most pages tell before any request was sent.
 */
export function osmGeneration(body: string | readonly string[], previous: string | undefined): string | undefined {
  const pieces = typeof body === 'string' ? [body] : body;
  return pieces.some(hasOsmCluster) ? OSM_MESH : previous;
}

const CLUSTER_LABEL = 'envoy_cluster_name="';
/** What follows `envoy_cluster_name="` in an OSM cluster's label (sticky: matched in place). */
const OSM_CLUSTER_VALUE = /[a-z0-9-]+\/[a-z][-a-z0-9]*\|\d+(?:\|local)?"/y;

function hasOsmCluster(body: string): boolean {
  for (let at = body.indexOf(CLUSTER_LABEL); at !== -1; at = body.indexOf(CLUSTER_LABEL, at + CLUSTER_LABEL.length)) {
    // Only on a line of Envoy's cluster families: a label value elsewhere could hold anything.
    const lineStart = body.lastIndexOf('\n', at) + 1;
    if (!body.startsWith('envoy_cluster_', lineStart)) continue;
    OSM_CLUSTER_VALUE.lastIndex = at + CLUSTER_LABEL.length;
    if (OSM_CLUSTER_VALUE.test(body)) return true;
  }
  return false;
}

export interface OsmAdapterOptions {
  readonly clusterDomain?: string;
}

export function createOsmAdapter(_options: OsmAdapterOptions = {}): MeshAdapter {
  return {
    mesh: OSM_MESH,
    latencyBucketsMs: ENVOY_LATENCY_BUCKETS_MS,
    layouts: { [ENVOY_LAYOUT]: ENVOY_LATENCY_BUCKETS_MS },
    generations: [OSM_MESH],
    generation: (body, previous) => osmGeneration(body, previous),
    acceptMetric: isEnvoyMetric,
    interpret: (name, labels) => interpretOsm(name, labels),
  };
}
