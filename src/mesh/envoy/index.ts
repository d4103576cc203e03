// Envoy-based meshes read from Envoy's own cluster families: Open Service Mesh, Consul Connect,
// and any other whose cluster names a pattern can read.
export { createEnvoyAdapter, ENVOY_LATENCY_BUCKETS_MS, ENVOY_LAYOUT, envoyGeneration, interpretEnvoy, isEnvoyMetric } from './adapter.js';
export type { EnvoyLeaf, EnvoyNaming } from './adapter.js';
export { createOsmAdapter, OSM_MESH, OSM_NAMING, osmClusterLeaf, osmGeneration } from './osm.js';
export { CONSUL_MESH, CONSUL_NAMING, consulLeaf, createConsulAdapter, kubernetesNamespace } from './consul.js';
export { ClusterPatternError, clusterPatternNaming, createClusterPatternAdapter, ENVOY_PATTERN_MESH, parseClusterPattern, patternLeaf } from './cluster-pattern.js';
export type { ClusterPattern } from './cluster-pattern.js';
export { CLIENT_NAMESPACE_LABEL, clusterPatternQuerySchema, consulQuerySchema, osmBatchQueries, osmQuerySchema } from './promql.js';
