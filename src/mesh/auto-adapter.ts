// `--mesh auto`: every target read as whatever mesh its page shows, so one splitstat serves a
// cluster that runs more than one mesh (or moves from one to another). The meshes' metric names
// barely overlap (Linkerd's `response_total`, `response_latency_ms_*`, `outbound_*`; Istio's
// `istio_*`; the Envoy-based meshes' are Envoy's own `envoy_cluster_*`, which Istio's pages carry
// too), so each series goes to the adapter that owns its name, and Envoy's cluster families to
// the Envoy-based mesh the page was read as. Each page's generation says which mesh wrote it
// (self metric `splitstat_scrape_target_generations`, GraphQL `serverInfo.targetGenerations` and
// `scrapeTargets`).
import type { ExpositionBody } from '../collect/index.js';
import type { MeshAdapter } from './adapter.js';
import type { ClusterPattern, EnvoyNaming } from './envoy/index.js';
import { clusterPatternNaming, CONSUL_NAMING, envoyGeneration, ENVOY_LAYOUT, ENVOY_LATENCY_BUCKETS_MS, interpretEnvoy, isEnvoyMetric, OSM_NAMING } from './envoy/index.js';
import { createIstioAdapter, isIstioMetric, ISTIO_LAYOUT } from './istio/index.js';
import { createLinkerdAdapter } from './linkerd/index.js';

export const AUTO_MESH = 'auto';

export interface AutoAdapterOptions {
  readonly clusterDomain?: string;
  /** `--envoy-cluster-pattern`: read Envoy pages whose clusters it matches, after OSM's and Consul's. */
  readonly envoyClusterPattern?: ClusterPattern | undefined;
}

export function createAutoAdapter(options: AutoAdapterOptions = {}): MeshAdapter {
  const linkerd = createLinkerdAdapter(options);
  const istio = createIstioAdapter(options);
  // In the order a page is tried: OSM's and Consul's namings cannot both match one page.
  const namings: EnvoyNaming[] = [OSM_NAMING, CONSUL_NAMING];
  if (options.envoyClusterPattern !== undefined) namings.push(clusterPatternNaming(options.envoyClusterPattern));
  const byMesh = new Map(namings.map((naming) => [naming.mesh, naming]));
  const otherMeshes = new Set<string>([ISTIO_LAYOUT, ...byMesh.keys()]);
  return {
    mesh: AUTO_MESH,
    // Linkerd's layouts stay the plain and route ones, so Linkerd-only numbers are unchanged.
    latencyBucketsMs: linkerd.latencyBucketsMs,
    routeLatencyBucketsMs: linkerd.routeLatencyBucketsMs,
    layouts: { ...linkerd.layouts, ...istio.layouts, [ENVOY_LAYOUT]: ENVOY_LATENCY_BUCKETS_MS },
    generations: [...linkerd.generations, ...istio.generations, ...byMesh.keys()],
    generation(body: string | ExpositionBody, previous: string | undefined): string | undefined {
      // Istio's pages carry Envoy's families too: Istio first.
      const istioPage = istio.generation(body, undefined);
      if (istioPage !== undefined) return istioPage;
      for (const naming of namings) {
        const envoyPage = envoyGeneration(naming, body, undefined);
        if (envoyPage !== undefined) return envoyPage;
      }
      // A process read as another mesh stays so until a page says otherwise (restarts clear `previous`).
      const known = previous !== undefined && otherMeshes.has(previous);
      return linkerd.generation(body, known ? undefined : previous) ?? previous;
    },
    acceptMetric: (name) => isIstioMetric(name) || isEnvoyMetric(name) || linkerd.acceptMetric(name),
    interpret(name, labels, generation) {
      if (isIstioMetric(name)) return istio.interpret(name, labels, generation);
      if (isEnvoyMetric(name)) {
        // On an Istio page these name Istio's clusters (`outbound|8080||…`): only the Envoy-based
        // mesh the page was read as says what they are.
        const naming = byMesh.get(generation);
        return naming === undefined ? null : interpretEnvoy(naming, name, labels);
      }
      return linkerd.interpret(name, labels, generation);
    },
  };
}
