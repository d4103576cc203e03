// mesh/: one adapter per mesh, saying which series are split traffic and what their labels mean,
// and the PromQL for that mesh.
export type { MeshAdapter, SeriesDestination, SeriesMeaning, TrafficEdge } from './adapter.js';
export { apexKey, edgeKey, meshOfGeneration, routeId, storageKey } from './adapter.js';
export { splitApexKey, splitEdge, splitRouteId } from './split-edges.js';
export { createLinkerdAdapter, LINKERD_ROUTE_LATENCY_BUCKETS_MS, LINKERD_APEX_AUTHORITY, LINKERD_GENERATIONS, LINKERD_LATENCY_BUCKETS_MS, LINKERD_LEAF_AUTHORITY } from './linkerd/index.js';
export type { LinkerdAdapterOptions } from './linkerd/index.js';
export { parseServiceAuthority } from './linkerd/index.js';
export { classifyRouteStatus, linkerdRouteBatchQueries, linkerdRouteQuerySchema, linkerdRouteSplitQueries } from './linkerd/index.js';
export { linkerdBatchQueries, linkerdGenerationQueries, linkerdQuerySchema, linkerdSplitQueries, overlappingSplits, SPLIT_LABEL } from './linkerd/index.js';
export { MESH_NAMES, MESHES, meshNamed, PROMQL_MESH_NAMES, promqlMeshNamed } from './registry.js';
export type { Mesh, MeshName, PromqlMesh, PromqlMeshName } from './registry.js';
export { AUTO_MESH, createAutoAdapter } from './auto-adapter.js';
export { createIstioAdapter, interpretIstio, istioBatchQueries, istioQuerySchema, isIstioFailure, ISTIO_LATENCY_BUCKETS_MS, ISTIO_LAYOUT, ISTIO_MESH, istioGeneration } from './istio/index.js';
export {
  ClusterPatternError,
  clusterPatternQuerySchema,
  CONSUL_MESH,
  consulQuerySchema,
  createClusterPatternAdapter,
  createConsulAdapter,
  createOsmAdapter,
  ENVOY_LATENCY_BUCKETS_MS,
  ENVOY_LAYOUT,
  ENVOY_PATTERN_MESH,
  OSM_MESH,
  osmBatchQueries,
  osmClusterLeaf,
  osmGeneration,
  osmQuerySchema,
  parseClusterPattern,
} from './envoy/index.js';
export type { ClusterPattern } from './envoy/index.js';
