// What a mesh adapter does: tell the scrape path which metric families matter, which generation
// of the mesh's proxy wrote a page, and what one series of it means for a split (which apex,
// which leaf, which outcome or latency bucket).

/** Traffic addressed to an apex service and served by one leaf (backend) service. */
export interface TrafficEdge {
  readonly apexNamespace: string;
  readonly apex: string;
  readonly leaf: string;
}

/**
 * Where a series' requests went. Some proxies name the apex the client addressed (`edge`);
 * others name only the leaf that served them (`leaf`), and the splits that list that leaf say
 * which apexes it stands for — which cannot tell split traffic from direct calls to the leaf.
 */
export type SeriesDestination =
  | { readonly kind: 'edge'; readonly edge: TrafficEdge }
  | { readonly kind: 'leaf'; readonly namespace: string; readonly leaf: string };

export type SeriesMeaning =
  | { readonly kind: 'response'; readonly to: SeriesDestination; readonly outcome: 'success' | 'failure' }
  | { readonly kind: 'latency'; readonly to: SeriesDestination; readonly leMs: number }
  | { readonly kind: 'latency-sum'; readonly to: SeriesDestination }
  /**
   * Not traffic: the proxy keeps a route from `parent` (the Service its client called) to
   * `leaf`. It narrows which apexes a leaf-only series of the same page can stand for.
   */
  | { readonly kind: 'concrete'; readonly namespace: string; readonly parent: string; readonly leaf: string };

export interface MeshAdapter {
  readonly mesh: string;
  /** Upper bounds (ms) of the latency histogram buckets, ascending, ending with +Inf. */
  readonly latencyBucketsMs: readonly number[];
  /** Every generation `generation()` may answer, for self metrics that must list them up front. */
  readonly generations: readonly string[];
  /**
   * Which generation of the proxy wrote this page, read before its samples are. `previous` is
   * what the same proxy process was read as before: a page without evidence either way keeps it,
   * and undefined means nothing has told yet (samples are then read as `generations[0]`).
   */
  generation(body: string, previous: string | undefined): string | undefined;
  /** True for the metric names whose samples carry split traffic; everything else is skipped unparsed. */
  acceptMetric(metricName: string): boolean;
  /** What one series means on a page of that generation, or null when it is not split traffic. */
  interpret(metricName: string, labels: Readonly<Record<string, string>>, generation: string): SeriesMeaning | null;
}

export function edgeKey(edge: TrafficEdge): string {
  return `${edge.apexNamespace}/${edge.apex}/${edge.leaf}`;
}

export function apexKey(namespace: string, apex: string): string {
  return `${namespace}/${apex}`;
}
