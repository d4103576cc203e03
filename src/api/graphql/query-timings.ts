// How long GraphQL queries take, for splitstat_graphql_query_duration_seconds: in prometheus mode
// every query waits for PromQL, so this is where a slow Prometheus shows. Subscriptions are left
// out: they live as long as their client, and a duration of that says nothing.

/** Upper bounds in seconds, from a cached answer to a query at its timeout (10 s by default). */
export const QUERY_DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export class QueryTimings {
  /** Non-cumulative counts per bound, the last one for +Inf. */
  readonly #counts = new Float64Array(QUERY_DURATION_BOUNDS.length + 1);
  #sum = 0;

  observe(seconds: number): void {
    if (!(seconds >= 0)) return;
    let bucket = QUERY_DURATION_BOUNDS.findIndex((bound) => seconds <= bound);
    if (bucket === -1) bucket = QUERY_DURATION_BOUNDS.length;
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#sum += seconds;
  }

  /** Cumulative counts aligned with QUERY_DURATION_BOUNDS and then +Inf, and the sum. */
  snapshot(): { readonly buckets: Float64Array; readonly sum: number } {
    const buckets = new Float64Array(this.#counts.length);
    let running = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      running += this.#counts[i] ?? 0;
      buckets[i] = running;
    }
    return { buckets, sum: this.#sum };
  }
}
