// Linkerd's proxies: which series are split traffic and what their labels mean, and the PromQL
// Linkerd viz ran over them.
export { classifyRouteStatus, linkerdRouteBatchQueries, linkerdRouteQuerySchema, linkerdRouteSplitQueries } from './route-promql.js';
export { linkerdBatchQueries, linkerdGenerationQueries, linkerdQuerySchema, linkerdSplitQueries, overlappingSplits, SPLIT_LABEL } from './promql.js';
export { createLinkerdAdapter, LINKERD_LATENCY_BUCKETS_MS, LINKERD_ROUTE_LATENCY_BUCKETS_MS } from './adapter.js';
export type { LinkerdAdapterOptions } from './adapter.js';
export { parseServiceAuthority } from './authority.js';
export { LINKERD_APEX_AUTHORITY, LINKERD_GENERATIONS, LINKERD_LEAF_AUTHORITY, linkerdGeneration } from './generation.js';
