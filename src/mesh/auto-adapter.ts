// `--mesh auto`: every target read as whatever mesh its page shows, so one splitstat serves a
// cluster that runs more than one mesh (or moves from one to another). The meshes' metric names
// never overlap (Linkerd's `response_total`, `response_latency_ms_*`, `outbound_*`; Istio's
// `istio_*`; OSM's are Envoy's own `envoy_cluster_*`, which Istio's pages carry too, but only
// OSM names a cluster `<namespace>/<service>|<port>`), so each series goes to the adapter that
// owns its name, and each page's generation says which mesh wrote it (self metric `splitstat_scrape_target_generations`, GraphQL
// `serverInfo.targetGenerations` and `scrapeTargets`).
import type { ExpositionBody } from '../collect/index.js';
import type { MeshAdapter } from './adapter.js';
import { createOsmAdapter, isEnvoyMetric, OSM_MESH } from './envoy/index.js';
import { createIstioAdapter, isIstioMetric, ISTIO_LAYOUT } from './istio/index.js';
import { createLinkerdAdapter } from './linkerd/index.js';

export const AUTO_MESH = 'auto';

export interface AutoAdapterOptions {
  readonly clusterDomain?: string;
}

export function createAutoAdapter(options: AutoAdapterOptions = {}): MeshAdapter {
  const linkerd = createLinkerdAdapter(options);
  const istio = createIstioAdapter(options);
  const osm = createOsmAdapter(options);
  return {
    mesh: AUTO_MESH,
    // Linkerd's layouts stay the plain and route ones, so Linkerd-only numbers are unchanged.
    latencyBucketsMs: linkerd.latencyBucketsMs,
    routeLatencyBucketsMs: linkerd.routeLatencyBucketsMs,
    layouts: { ...linkerd.layouts, ...istio.layouts, ...osm.layouts },
    generations: [...linkerd.generations, ...istio.generations, ...osm.generations],
    generation(body: string | ExpositionBody, previous: string | undefined): string | undefined {
      // Istio's pages carry Envoy's families too: Istio first.
      const other = istio.generation(body, undefined) ?? osm.generation(body, undefined);
      if (other !== undefined) return other;
      // A process read as another mesh stays so until a page says otherwise (restarts clear `previous`).
      const known = previous === ISTIO_LAYOUT || previous === OSM_MESH;
      return linkerd.generation(body, known ? undefined : previous) ?? previous;
    },
    acceptMetric: (name) => isIstioMetric(name) || isEnvoyMetric(name) || linkerd.acceptMetric(name),
    interpret(name, labels, generation) {
      if (isIstioMetric(name)) return istio.interpret(name, labels, generation);
      // On an Istio page these name Istio's clusters (`outbound|8080||…`), which are no OSM cluster.
      if (isEnvoyMetric(name)) return osm.interpret(name, labels, generation);
      return linkerd.interpret(name, labels, generation);
    },
  };
}
