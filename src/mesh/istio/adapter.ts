// Istio sidecar metrics → split traffic. Each sidecar's Envoy counts the requests it handles in
// `istio_requests_total` and `istio_request_duration_milliseconds` (istio.io
// docs/reference/config/metrics; the real Istio 1.7.1 page in shared/fixtures/istio), served
// merged with the agent's own at `:15020/stats/prometheus`. A series labelled
// `reporter="source"` was counted by the client's sidecar, which is the side splitstat reads
// (as it reads a Linkerd client's outbound series); `reporter="destination"` ones are the same
// requests counted again by the server's sidecar and are skipped.
//
// Istio names no apex: `destination_service` is the Service whose endpoints served the request
// (the leaf, after routing), so a series is a leaf-only destination and the splits that list the
// leaf stand for the apex, as for Linkerd 2.13+. Requests sent straight to the leaf count too:
// Istio's series cannot tell them from split traffic (README: Istio).
//
// Failures follow Linkerd's definition, so that numbers mean the same on every mesh: a 5xx, a
// gRPC status other than OK, or no response at all (`response_code="0"`: the stream ended
// before a response). A 4xx is a success, as in Linkerd (Kiali counts it as an error).
import type { MeshAdapter, SeriesDestination, SeriesMeaning } from '../adapter.js';
import { ENVOY_DEFAULT_BUCKETS_MS, parseBound } from '../histogram-bounds.js';

export const ISTIO_MESH = 'istio';
/** The name of Istio's histogram layout (TrafficEdge.layout) and of the generation its pages are read as. */
export const ISTIO_LAYOUT = 'istio';

/**
 * `istio_request_duration_milliseconds`' default bounds (ms): Envoy's defaults, as the real 1.7.1
 * page has them. A pod may set others (`sidecar.istio.io/statsHistogramBuckets`); bounds outside
 * this list are skipped (README: Istio).
 */
export const ISTIO_LATENCY_BUCKETS_MS: readonly number[] = ENVOY_DEFAULT_BUCKETS_MS;

export const ISTIO_REQUESTS = 'istio_requests_total';
export const ISTIO_LATENCY_BUCKET = 'istio_request_duration_milliseconds_bucket';
export const ISTIO_LATENCY_SUM = 'istio_request_duration_milliseconds_sum';

/** A Service name (DNS-1035 label); `unknown`, `PassthroughCluster` and the like are none. */
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface IstioAdapterOptions {
  readonly clusterDomain?: string;
}

/** Whether an Istio series counts a failure by Linkerd's definition (see the top of this file). */
export function isIstioFailure(responseCode: string | undefined, grpcStatus: string | undefined): boolean {
  if (responseCode === undefined || responseCode === '0' || responseCode.startsWith('5')) return true;
  return grpcStatus !== undefined && grpcStatus !== '' && grpcStatus !== '0';
}

/** The destination of a client-side series: the leaf Service of the cluster that served it. */
export function istioDestination(labels: Readonly<Record<string, string>>, clusterDomain: string): SeriesDestination | null {
  if (labels.reporter !== 'source') return null;
  const { destination_service_name: leaf, destination_service_namespace: namespace, destination_service: host } = labels;
  if (leaf === undefined || namespace === undefined || !SERVICE_NAME.test(leaf) || !SERVICE_NAME.test(namespace)) return null;
  // A ServiceEntry or an external host may carry the same short name: only the Service's own
  // cluster-local name is a split backend.
  if (host !== `${leaf}.${namespace}.svc.${clusterDomain}`) return null;
  return { kind: 'leaf', namespace, leaf, layout: ISTIO_LAYOUT, routeless: true };
}

export function createIstioAdapter({ clusterDomain = 'cluster.local' }: IstioAdapterOptions = {}): MeshAdapter {
  return {
    mesh: ISTIO_MESH,
    latencyBucketsMs: ISTIO_LATENCY_BUCKETS_MS,
    layouts: { [ISTIO_LAYOUT]: ISTIO_LATENCY_BUCKETS_MS },
    generations: [ISTIO_LAYOUT],
    generation: (body, previous) => istioGeneration(body, previous),
    acceptMetric: isIstioMetric,
    interpret: (name, labels) => interpretIstio(name, labels, clusterDomain),
  };
}

export function isIstioMetric(name: string): boolean {
  return name === ISTIO_REQUESTS || name === ISTIO_LATENCY_BUCKET || name === ISTIO_LATENCY_SUM;
}

const KNOWN_BOUNDS = new Set(ISTIO_LATENCY_BUCKETS_MS);

/** What one Istio series means, or null when it is not a client's request to a Service. */
export function interpretIstio(name: string, labels: Readonly<Record<string, string>>, clusterDomain: string): SeriesMeaning | null {
  const to = istioDestination(labels, clusterDomain);
  if (to === null) return null;
  if (name === ISTIO_REQUESTS) {
    return { kind: 'response', to, outcome: isIstioFailure(labels.response_code, labels.grpc_response_status) ? 'failure' : 'success' };
  }
  if (name === ISTIO_LATENCY_SUM) return { kind: 'latency-sum', to };
  if (name === ISTIO_LATENCY_BUCKET) {
    const le = parseBound(labels.le);
    return le === null || !KNOWN_BOUNDS.has(le) ? null : { kind: 'latency', to, leMs: le };
  }
  return null;
}

const ISTIO_STEM = 'istio_';

/**
 * A page with an `istio_` sample or family is an Istio sidecar's. The stats filter writes its
 * families only once a request was counted, so a page without them keeps what the process was
 * read as before.
 */
export function istioGeneration(body: string | readonly string[], previous: string | undefined): string | undefined {
  const pieces = typeof body === 'string' ? [body] : body;
  return pieces.some(hasIstioFamily) ? ISTIO_LAYOUT : previous;
}

function hasIstioFamily(body: string): boolean {
  for (let at = body.indexOf(ISTIO_STEM); at !== -1; at = body.indexOf(ISTIO_STEM, at + ISTIO_STEM.length)) {
    // At the start of a line (a sample) or right after `# TYPE ` starting a line, never inside a label value.
    if (at === 0 || body[at - 1] === '\n') return true;
    const comment = at - 7;
    if ((comment === 0 || body[comment - 1] === '\n') && body.startsWith('# TYPE ', comment)) return true;
  }
  return false;
}
