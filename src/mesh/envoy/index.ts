// Envoy-based meshes read from Envoy's own cluster families (Open Service Mesh).
export { createOsmAdapter, ENVOY_LATENCY_BUCKETS_MS, ENVOY_LAYOUT, interpretOsm, isEnvoyMetric, OSM_MESH, osmClusterLeaf, osmGeneration } from './adapter.js';
export type { OsmAdapterOptions } from './adapter.js';
export { osmBatchQueries, osmQuerySchema } from './promql.js';
