// Envoy-based meshes → split traffic. A client sidecar's Envoy counts the responses of each
// upstream cluster in `envoy_cluster_upstream_rq_xx` (by `envoy_response_code_class`) and their
// durations in the `envoy_cluster_upstream_rq_time` histogram (ms, Envoy's default buckets).
// Which Service a cluster reaches is the mesh's own naming: Open Service Mesh writes it in the
// cluster's name (osm.ts), Consul in stats tags of its own (consul.ts), and any other mesh can be
// described by a pattern over the cluster's name (cluster-pattern.ts). A mesh routes a split's
// apex to one weighted cluster per backend, so a cluster is a leaf, as for Istio.
//
// Failures: a 5xx response, which includes the 503/504 Envoy answers itself when no upstream
// answered (no healthy host, connect failure, reset before the response, timeout: router.cc
// chargeUpstreamCode). gRPC statuses are not in these families: a gRPC failure under HTTP 200
// counts as a success (README: Envoy-based meshes).
import type { MeshAdapter, SeriesDestination, SeriesMeaning } from '../adapter.js';
import { ENVOY_DEFAULT_BUCKETS_MS, parseBound } from '../histogram-bounds.js';

/** Envoy's default histogram layout (TrafficEdge.layout), the bounds of `upstream_rq_time`. */
export const ENVOY_LAYOUT = 'envoy';

/** `upstream_rq_time`'s bounds (ms): Envoy's defaults. */
export const ENVOY_LATENCY_BUCKETS_MS: readonly number[] = ENVOY_DEFAULT_BUCKETS_MS;

export const ENVOY_RESPONSES = 'envoy_cluster_upstream_rq_xx';
export const ENVOY_LATENCY_BUCKET = 'envoy_cluster_upstream_rq_time_bucket';
export const ENVOY_LATENCY_SUM = 'envoy_cluster_upstream_rq_time_sum';

/** A Service name (DNS-1035 label), and a namespace (DNS-1123 label). */
export const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The backend Service an Envoy cluster reaches; namespace null: the client's own (SeriesDestination). */
export interface EnvoyLeaf {
  readonly namespace: string | null;
  readonly leaf: string;
}

/** How one Envoy-based mesh says which Service a cluster reaches. */
export interface EnvoyNaming {
  /** The mesh, and the generation its pages are read as. */
  readonly mesh: string;
  /** The Service a series of Envoy's cluster families went to; null for the pod's own app, Envoy's own clusters and anything else. */
  leafOf(labels: Readonly<Record<string, string>>): EnvoyLeaf | null;
  /** Whether a page (or a piece of one, cut at line ends) was written by this mesh's Envoy. */
  writes(body: string): boolean;
}

export function isEnvoyMetric(name: string): boolean {
  return name === ENVOY_RESPONSES || name === ENVOY_LATENCY_BUCKET || name === ENVOY_LATENCY_SUM;
}

const KNOWN_BOUNDS = new Set(ENVOY_LATENCY_BUCKETS_MS);

/** What one series of Envoy's cluster families means under `naming`, or null when it is not a response of a Service's cluster. */
export function interpretEnvoy(naming: EnvoyNaming, name: string, labels: Readonly<Record<string, string>>): SeriesMeaning | null {
  const leaf = naming.leafOf(labels);
  if (leaf === null) return null;
  const to: SeriesDestination = { kind: 'leaf', namespace: leaf.namespace, leaf: leaf.leaf, layout: ENVOY_LAYOUT, routeless: true };
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

/** The generation of a page under `naming`: its mesh when the page shows it, else what the process was read as before. */
export function envoyGeneration(naming: EnvoyNaming, body: string | readonly string[], previous: string | undefined): string | undefined {
  const pieces = typeof body === 'string' ? [body] : body;
  return pieces.some((piece) => naming.writes(piece)) ? naming.mesh : previous;
}

/**
 * Whether some line starting with `linePrefix` has the label `label` with a value `accepts`
 * takes (given the page and where the value starts). Only whole lines of the families named are
 * looked at: a label value elsewhere could hold anything.
 */
export function someLabelValue(body: string, linePrefix: string, label: string, accepts: (body: string, valueStart: number) => boolean): boolean {
  const needle = `${label}="`;
  for (let at = body.indexOf(needle); at !== -1; at = body.indexOf(needle, at + needle.length)) {
    const before = body.charCodeAt(at - 1);
    // The label's own name, not the end of a longer one (`{` or `,` precede it).
    if (before !== 123 && before !== 44) continue;
    const lineStart = body.lastIndexOf('\n', at) + 1;
    if (!body.startsWith(linePrefix, lineStart)) continue;
    if (accepts(body, at + needle.length)) return true;
  }
  return false;
}

/** A scrape-path adapter reading Envoy's cluster families under one mesh's naming. */
export function createEnvoyAdapter(naming: EnvoyNaming): MeshAdapter {
  return {
    mesh: naming.mesh,
    latencyBucketsMs: ENVOY_LATENCY_BUCKETS_MS,
    layouts: { [ENVOY_LAYOUT]: ENVOY_LATENCY_BUCKETS_MS },
    generations: [naming.mesh],
    generation: (body, previous) => envoyGeneration(naming, body, previous),
    acceptMetric: isEnvoyMetric,
    interpret: (name, labels) => interpretEnvoy(naming, name, labels),
  };
}
