// Every mesh splitstat reads. A mesh is one folder under mesh/ (what its series mean, and the
// PromQL over them) plus one line in MESHES; configuration, the scrape path and the prometheus
// stat source all find it here by name.
import type { QuerySchema } from '../promql/index.js';
import type { MeshAdapter } from './adapter.js';
import { createAutoAdapter } from './auto-adapter.js';
import type { ClusterPattern } from './envoy/index.js';
import { ClusterPatternError, clusterPatternQuerySchema, createClusterPatternAdapter, createConsulAdapter, createOsmAdapter, consulQuerySchema, osmQuerySchema } from './envoy/index.js';
import { createIstioAdapter, istioQuerySchema } from './istio/index.js';
import { createLinkerdAdapter, linkerdQuerySchema, linkerdRouteQuerySchema } from './linkerd/index.js';

/** What configuration tells every mesh; each takes what it needs. */
export interface MeshOptions {
  readonly clusterDomain: string;
  /** `--envoy-cluster-pattern`: how other Envoy-based meshes name their clusters (the `envoy` mesh needs it). */
  readonly envoyClusterPattern?: ClusterPattern | undefined;
}

export interface Mesh {
  /** What `--mesh` (and `--prometheus-schema`, for a mesh with PromQL) call it. */
  readonly name: string;
  /** How the scrape path reads this mesh's proxy pages. */
  createAdapter(options: MeshOptions): MeshAdapter;
  /** The PromQL over this mesh's own series, for the prometheus stat source. */
  querySchema?(options?: Partial<MeshOptions>): QuerySchema;
  /** The PromQL for HTTPRoute splits, when the mesh counts traffic per route. */
  routeQuerySchema?(): QuerySchema;
}

export const MESHES = [
  // Each target as the mesh its page shows (auto-adapter.ts): the default.
  { name: 'auto', createAdapter: createAutoAdapter },
  { name: 'linkerd', createAdapter: createLinkerdAdapter, querySchema: () => linkerdQuerySchema(), routeQuerySchema: () => linkerdRouteQuerySchema() },
  { name: 'istio', createAdapter: createIstioAdapter, querySchema: () => istioQuerySchema() },
  { name: 'osm', createAdapter: createOsmAdapter, querySchema: () => osmQuerySchema() },
  { name: 'consul', createAdapter: createConsulAdapter, querySchema: () => consulQuerySchema() },
  // Any other Envoy-based mesh, by --envoy-cluster-pattern.
  { name: 'envoy', createAdapter: (options: MeshOptions) => createClusterPatternAdapter(needPattern(options)), querySchema: (options?: Partial<MeshOptions>) => clusterPatternQuerySchema(needPattern(options)) },
] as const satisfies readonly Mesh[];

function needPattern(options: Partial<MeshOptions> | undefined): ClusterPattern {
  // Configuration checks this first (serve-config, stat's flags); a caller that did not is told what is missing.
  if (options?.envoyClusterPattern === undefined) throw new ClusterPatternError('the envoy mesh needs --envoy-cluster-pattern: how its Envoy names the cluster of a Service');
  return options.envoyClusterPattern;
}

export type MeshName = (typeof MESHES)[number]['name'];

// MESHES is a non-empty literal, so its names are too; configuration's oneOf() wants that shape.
export const MESH_NAMES = MESHES.map((mesh) => mesh.name) as [MeshName, ...MeshName[]];

export function meshNamed(name: MeshName): Mesh {
  // Typed names always match: MeshName is derived from MESHES.
  return MESHES.find((mesh) => mesh.name === name) as Mesh;
}

/** The meshes whose own series the prometheus stat source can query. */
export type PromqlMesh = Mesh & Required<Pick<Mesh, 'querySchema'>>;
export type PromqlMeshName = Extract<(typeof MESHES)[number], { querySchema: unknown }>['name'];

export const PROMQL_MESH_NAMES = MESHES.filter((mesh): mesh is Extract<(typeof MESHES)[number], { querySchema: unknown }> => 'querySchema' in mesh).map((mesh) => mesh.name) as [
  PromqlMeshName,
  ...PromqlMeshName[],
];

export function promqlMeshNamed(name: PromqlMeshName): PromqlMesh {
  // Typed names always match, and only meshes with a querySchema have such a name.
  return MESHES.find((mesh) => mesh.name === name) as PromqlMesh;
}
