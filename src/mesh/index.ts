export type { MeshAdapter, SeriesMeaning, TrafficEdge } from './adapter.js';
export { apexKey, edgeKey } from './adapter.js';
export { createLinkerdAdapter, LINKERD_LATENCY_BUCKETS_MS } from './linkerd/adapter.js';
export type { LinkerdAdapterOptions } from './linkerd/adapter.js';
export { parseServiceAuthority } from './linkerd/authority.js';
