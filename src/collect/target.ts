// A scrape target: one meshed pod's proxy metrics endpoint, and who it is (for --from filtering).

export interface Workload {
  /** Lower-case Kubernetes kind: `deployment`, `statefulset`, `daemonset`, `job`, `pod`, … */
  readonly kind: string;
  readonly name: string;
}

export interface ScrapeTarget {
  readonly url: string;
  /** The scraped pod's namespace. */
  readonly namespace: string;
  readonly pod: string;
  /** The pod's owning workload, when known. */
  readonly workload?: Workload | undefined;
}

/** Stable identity of a target across discovery refreshes. */
export function targetKey(target: ScrapeTarget): string {
  return `${target.namespace}/${target.pod}@${target.url}`;
}
