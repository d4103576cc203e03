// `--mesh auto`: every target read as whatever mesh its page shows, so one splitstat serves a
// cluster that runs more than one mesh (or moves from one to another). The meshes' metric names
// never overlap (Linkerd's `response_total`, `response_latency_ms_*`, `outbound_*`; Istio's
// `istio_*`), so each series goes to the adapter that owns its name, and each page's generation
// says which mesh wrote it (self metric `splitstat_scrape_target_generations`, GraphQL
// `serverInfo.targetGenerations` and `scrapeTargets`).
import type { ExpositionBody } from '../collect/index.js';
import type { MeshAdapter } from './adapter.js';
import { createIstioAdapter, isIstioMetric, ISTIO_LAYOUT } from './istio/index.js';
import { createLinkerdAdapter } from './linkerd/index.js';

export const AUTO_MESH = 'auto';

export interface AutoAdapterOptions {
  readonly clusterDomain?: string;
}

export function createAutoAdapter(options: AutoAdapterOptions = {}): MeshAdapter {
  const linkerd = createLinkerdAdapter(options);
  const istio = createIstioAdapter(options);
  return {
    mesh: AUTO_MESH,
    // Linkerd's layouts stay the plain and route ones, so Linkerd-only numbers are unchanged.
    latencyBucketsMs: linkerd.latencyBucketsMs,
    routeLatencyBucketsMs: linkerd.routeLatencyBucketsMs,
    layouts: { ...linkerd.layouts, ...istio.layouts },
    generations: [...linkerd.generations, ...istio.generations],
    generation(body: string | ExpositionBody, previous: string | undefined): string | undefined {
      const asIstio = istio.generation(body, undefined);
      if (asIstio !== undefined) return asIstio;
      // A process read as Istio stays so until a page says otherwise (restarts clear `previous`).
      return linkerd.generation(body, previous === ISTIO_LAYOUT ? undefined : previous) ?? previous;
    },
    acceptMetric: (name) => isIstioMetric(name) || linkerd.acceptMetric(name),
    interpret: (name, labels, generation) => (isIstioMetric(name) ? istio.interpret(name, labels, generation) : linkerd.interpret(name, labels, generation)),
  };
}
