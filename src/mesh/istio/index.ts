// Istio's sidecars: which series are split traffic and what their labels mean.
export { createIstioAdapter, interpretIstio, isIstioFailure, isIstioMetric, ISTIO_LATENCY_BUCKETS_MS, ISTIO_LAYOUT, ISTIO_MESH, istioGeneration } from './adapter.js';
export type { IstioAdapterOptions } from './adapter.js';
export { istioBatchQueries, istioQuerySchema } from './promql.js';
