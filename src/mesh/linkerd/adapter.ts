// Linkerd proxy metrics → split traffic. A client proxy's outbound `response_total` and
// `response_latency_ms` series carry the apex it addressed (`authority`) and the leaf that
// served the request (`dst_service`), which is exactly what `linkerd viz stat ts` read.
import type { MeshAdapter, SeriesMeaning, TrafficEdge } from '../adapter.js';
import { parseServiceAuthority } from './authority.js';

/** The proxy's fixed latency buckets (ms). */
export const LINKERD_LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000,
  40000, 50000, Number.POSITIVE_INFINITY,
];

const RESPONSES = 'response_total';
const LATENCY_BUCKET = 'response_latency_ms_bucket';
const LATENCY_SUM = 'response_latency_ms_sum';

export interface LinkerdAdapterOptions {
  readonly clusterDomain?: string;
}

export function createLinkerdAdapter({ clusterDomain = 'cluster.local' }: LinkerdAdapterOptions = {}): MeshAdapter {
  const knownBounds = new Set(LINKERD_LATENCY_BUCKETS_MS);

  function edgeOf(labels: Readonly<Record<string, string>>): TrafficEdge | null {
    if (labels.direction !== 'outbound') return null;
    const authority = labels.authority;
    const leaf = labels.dst_service;
    if (authority === undefined || leaf === undefined || leaf === '') return null;
    const apex = parseServiceAuthority(authority, clusterDomain);
    if (apex === null) return null;
    // SMI backends live in the split's namespace; a leaf elsewhere is not one of its backends.
    const leafNamespace = labels.dst_namespace;
    if (leafNamespace !== undefined && leafNamespace !== apex.namespace) return null;
    return { apexNamespace: apex.namespace, apex: apex.service, leaf };
  }

  return {
    mesh: 'linkerd',
    latencyBucketsMs: LINKERD_LATENCY_BUCKETS_MS,
    acceptMetric: (name) => name === RESPONSES || name === LATENCY_BUCKET || name === LATENCY_SUM,
    interpret(name, labels): SeriesMeaning | null {
      const edge = edgeOf(labels);
      if (edge === null) return null;
      if (name === RESPONSES) {
        const classification = labels.classification;
        if (classification !== 'success' && classification !== 'failure') return null;
        return { kind: 'response', edge, outcome: classification };
      }
      if (name === LATENCY_BUCKET) {
        const le = parseBound(labels.le);
        // Bounds the proxy never uses would make the summed histogram inconsistent: skip them.
        if (le === null || !knownBounds.has(le)) return null;
        return { kind: 'latency', edge, leMs: le };
      }
      if (name === LATENCY_SUM) return { kind: 'latency-sum', edge };
      return null;
    },
  };
}

function parseBound(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
