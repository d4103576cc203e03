// Linkerd proxy metrics → split traffic. A client proxy's outbound `response_total` and
// `response_latency_ms` series carry the address the client's request went to (`authority`) and
// the leaf that served it (`dst_service`). Up to 2.12 that address is the apex, which is exactly
// what `linkerd viz stat ts` read; since 2.13 it is the leaf itself (see generation.ts), and the
// splits that list the leaf stand in for the apex.
import type { MeshAdapter, SeriesDestination, SeriesMeaning } from '../adapter.js';
import { parseServiceAuthority } from './authority.js';
import { LINKERD_GENERATIONS, LINKERD_LEAF_AUTHORITY, linkerdGeneration } from './generation.js';

/** The proxy's fixed latency buckets (ms). */
export const LINKERD_LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000,
  40000, 50000, Number.POSITIVE_INFINITY,
];

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
    if (authority === undefined || leaf === undefined || leaf === '') return null;
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
    generations: LINKERD_GENERATIONS,
    generation: linkerdGeneration,
    acceptMetric: (name) => name === RESPONSES || name === LATENCY_BUCKET || name === LATENCY_SUM || name === BALANCER,
    interpret(name, labels, generation): SeriesMeaning | null {
      if (name === BALANCER) return concreteOf(labels);
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

/** A balancer between two Services of one namespace (SMI backends live in the split's). */
function concreteOf(labels: Readonly<Record<string, string>>): SeriesMeaning | null {
  const { parent_kind: parentKind, backend_kind: backendKind, parent_namespace: namespace, parent_name: parent, backend_namespace: leafNamespace, backend_name: leaf } = labels;
  if (parentKind !== 'Service' || backendKind !== 'Service') return null;
  if (namespace === undefined || parent === undefined || leaf === undefined || namespace !== leafNamespace) return null;
  return { kind: 'concrete', namespace, parent, leaf };
}

function parseBound(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
