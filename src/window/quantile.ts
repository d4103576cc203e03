// Prometheus' histogram_quantile, step for step, so scrape mode and PromQL mode give the same
// numbers for the same buckets.

export interface CumulativeBucket {
  /** Upper bound; the last bucket must be +Inf. */
  readonly le: number;
  /** Cumulative count of observations ≤ le. */
  readonly count: number;
}

/**
 * φ-quantile from cumulative buckets. NaN when there are no observations, fewer than two
 * buckets, or no +Inf bucket — the cases where Prometheus returns NaN.
 */
export function histogramQuantile(q: number, input: readonly CumulativeBucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const buckets = coalesce([...input].sort((a, b) => a.le - b.le));
  if (buckets.length < 2) return Number.NaN;
  const last = buckets[buckets.length - 1] as CumulativeBucket;
  if (last.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  const counts = monotonic(buckets.map((b) => b.count));
  const observations = counts[counts.length - 1] as number;
  if (observations === 0 || Number.isNaN(observations)) return Number.NaN;
  let rank = q * observations;
  // First bucket (excluding +Inf) whose cumulative count reaches the rank.
  let b = 0;
  while (b < buckets.length - 1 && (counts[b] as number) < rank) b++;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as CumulativeBucket).le;
  const upper = (buckets[b] as CumulativeBucket).le;
  if (b === 0 && upper <= 0) return upper;
  let start = 0;
  let count = counts[b] as number;
  if (b > 0) {
    const below = counts[b - 1] as number;
    start = (buckets[b - 1] as CumulativeBucket).le;
    count -= below;
    rank -= below;
  }
  return start + (upper - start) * (rank / count);
}

/** Buckets with the same bound (from summing series) are one bucket. */
function coalesce(sorted: readonly CumulativeBucket[]): CumulativeBucket[] {
  const out: CumulativeBucket[] = [];
  for (const bucket of sorted) {
    const previous = out[out.length - 1];
    if (previous !== undefined && previous.le === bucket.le) {
      out[out.length - 1] = { le: bucket.le, count: previous.count + bucket.count };
    } else {
      out.push(bucket);
    }
  }
  return out;
}

/**
 * Cumulative counts can dip when series were scraped at slightly different moments; like
 * Prometheus, carry the running maximum forward instead of producing nonsense.
 */
function monotonic(counts: readonly number[]): number[] {
  const out: number[] = [];
  let max = Number.NEGATIVE_INFINITY;
  for (const count of counts) {
    max = Math.max(max, count);
    out.push(max);
  }
  return out;
}
