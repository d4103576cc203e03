// What a mesh adapter does: tell the scrape path which metric families matter and what one
// series of them means for a TrafficSplit (which apex, which leaf, which outcome or latency bucket).

/** Traffic addressed to an apex service and served by one leaf (backend) service. */
export interface TrafficEdge {
  readonly apexNamespace: string;
  readonly apex: string;
  readonly leaf: string;
}

export type SeriesMeaning =
  | { readonly kind: 'response'; readonly edge: TrafficEdge; readonly outcome: 'success' | 'failure' }
  | { readonly kind: 'latency'; readonly edge: TrafficEdge; readonly leMs: number }
  | { readonly kind: 'latency-sum'; readonly edge: TrafficEdge };

export interface MeshAdapter {
  readonly mesh: string;
  /** Upper bounds (ms) of the latency histogram buckets, ascending, ending with +Inf. */
  readonly latencyBucketsMs: readonly number[];
  /** True for the metric names whose samples carry split traffic; everything else is skipped unparsed. */
  acceptMetric(metricName: string): boolean;
  /** What one series means, or null when it is not split traffic (inbound, other hosts, …). */
  interpret(metricName: string, labels: Readonly<Record<string, string>>): SeriesMeaning | null;
}

export function edgeKey(edge: TrafficEdge): string {
  return `${edge.apexNamespace}/${edge.apex}/${edge.leaf}`;
}

export function apexKey(namespace: string, apex: string): string {
  return `${namespace}/${apex}`;
}
