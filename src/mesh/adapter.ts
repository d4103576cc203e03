// What a mesh adapter does: tell the scrape path which metric families matter, which generation
// of the mesh's proxy wrote a page, and what one series of it means for a split (which apex,
// which leaf, which outcome or latency bucket).
import type { ExpositionBody } from '../collect/index.js';

/** Traffic addressed to an apex service and served by one leaf (backend) service. */
export interface TrafficEdge {
  readonly apexNamespace: string;
  readonly apex: string;
  readonly leaf: string;
  /**
   * The route that sent it, `group/name` of an HTTPRoute (routeId()), when the proxy says: such
   * traffic is an HTTPRoute split's, kept apart from what TrafficSplits of the same apex see.
   */
  readonly route?: string | undefined;
  /**
   * The latency histogram layout its series were counted in, when it is not the adapter's plain
   * or route one (MeshAdapter.layouts): the mesh of the client that sent them. Not part of the
   * edge's identity (edgeKey): the window keeps each layout apart and merges them when read.
   */
  readonly layout?: string | undefined;
}

/**
 * Where a series' requests went. Some proxies name the apex the client addressed (`edge`);
 * others name only the leaf that served them (`leaf`), and the splits that list that leaf say
 * which apexes it stands for — which cannot tell split traffic from direct calls to the leaf.
 */
export type SeriesDestination =
  | { readonly kind: 'edge'; readonly edge: TrafficEdge }
  | {
      readonly kind: 'leaf';
      /**
       * The leaf's namespace, or null when the series does not say it and the leaf is the one in
       * the client's own namespace (a mesh with namespaces of its own, such as Consul CE's single
       * `default`, which are not Kubernetes').
       */
      readonly namespace: string | null;
      readonly leaf: string;
      readonly layout?: string | undefined;
      /**
       * The mesh names no route at all (Istio, the Envoy-based meshes), so HTTPRoute splits listing
       * the leaf stand for it as TrafficSplits do. Unset for Linkerd, whose HTTPRoute traffic is
       * counted per route and must not be counted again through its leaves.
       */
      readonly routeless?: boolean | undefined;
    };

export type SeriesMeaning =
  | { readonly kind: 'response'; readonly to: SeriesDestination; readonly outcome: 'success' | 'failure' }
  /**
   * `leMs` is one of the bounds of the destination's layout: `latencyBucketsMs`, or
   * `routeLatencyBucketsMs` for a route's edge, or `layouts[layout]` for a destination with a layout.
   */
  | { readonly kind: 'latency'; readonly to: SeriesDestination; readonly leMs: number }
  /** The histogram's sum; its unit is `unitMs` milliseconds (1000 for a seconds histogram), 1 when absent. */
  | { readonly kind: 'latency-sum'; readonly to: SeriesDestination; readonly unitMs?: number }
  /**
   * Not traffic: the proxy keeps a route from `parent` (the Service its client called) to
   * `leaf`. It narrows which apexes a leaf-only series of the same page can stand for.
   */
  | { readonly kind: 'concrete'; readonly namespace: string; readonly parent: string; readonly leaf: string };

export interface MeshAdapter {
  readonly mesh: string;
  /** Upper bounds (ms) of the latency histogram buckets, ascending, ending with +Inf. */
  readonly latencyBucketsMs: readonly number[];
  /** The bounds (ms) of the histogram of edges with a route, when the proxy keeps another one for them. */
  readonly routeLatencyBucketsMs?: readonly number[];
  /** Further histogram layouts by name, for destinations that name one (TrafficEdge.layout). */
  readonly layouts?: Readonly<Record<string, readonly number[]>>;
  /** Every generation `generation()` may answer, for self metrics that must list them up front. */
  readonly generations: readonly string[];
  /**
   * Which generation of the proxy wrote this page, read before its samples are. `previous` is
   * what the same proxy process was read as before: a page without evidence either way keeps it,
   * and undefined means nothing has told yet (samples are then read as `generations[0]`).
   */
  generation(body: string | ExpositionBody, previous: string | undefined): string | undefined;
  /** True for the metric names whose samples carry split traffic; everything else is skipped unparsed. */
  acceptMetric(metricName: string): boolean;
  /** What one series means on a page of that generation, or null when it is not split traffic. */
  interpret(metricName: string, labels: Readonly<Record<string, string>>, generation: string): SeriesMeaning | null;
}

/** The mesh a generation belongs to: generations are named `<mesh>` or `<mesh>-<version>`. */
export function meshOfGeneration(generation: string): string {
  const dash = generation.indexOf('-');
  return dash === -1 ? generation : generation.slice(0, dash);
}

export function edgeKey(edge: TrafficEdge): string {
  const base = `${edge.apexNamespace}/${edge.apex}/${edge.leaf}`;
  return edge.route === undefined ? base : `${base}|${edge.route}`;
}

/**
 * Where an edge's numbers are stored while they are counted: its edgeKey(), and its layout when
 * it has one, since numbers of two layouts cannot be added bucket by bucket.
 */
export function storageKey(edge: TrafficEdge): string {
  const key = edgeKey(edge);
  return edge.layout === undefined ? key : `${key}~${edge.layout}`;
}

/** An apex, or an apex as reached through one route. */
export function apexKey(namespace: string, apex: string, route?: string): string {
  return route === undefined ? `${namespace}/${apex}` : `${namespace}/${apex}|${route}`;
}

/** How edges name an HTTPRoute: its API group and name, as the proxy's route_group/route_name labels. */
export function routeId(group: string, name: string): string {
  return `${group}/${name}`;
}
