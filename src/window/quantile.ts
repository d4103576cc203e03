// Prometheus' histogram_quantile (promql/quantile.go, bucketQuantile as of 2.42), step for step,
// so scrape mode and PromQL mode give the same numbers for the same buckets: the same order of
// checks, the same running-maximum repair, the same binary search, the same arithmetic. Even the
// odd cases follow Go (a NaN total falls through to the highest finite bound, as it does there).

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
  if (input.length === 0) return Number.NaN;
  const sorted = [...input].sort((a, b) => a.le - b.le);
  if ((sorted[sorted.length - 1] as CumulativeBucket).le !== Number.POSITIVE_INFINITY) return Number.NaN;
  const buckets = coalesce(sorted);
  const counts = monotonic(buckets);
  if (buckets.length < 2) return Number.NaN;
  const observations = counts[counts.length - 1] as number;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  // The first bucket (+Inf excluded) whose cumulative count reaches the rank, found as Go's
  // sort.Search finds it (which matters only when NaN counts break the ordering).
  const b = search(buckets.length - 1, (i) => (counts[i] as number) >= rank);
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
 * Prometheus, carry the running maximum forward instead of producing nonsense. NaN counts stay
 * NaN and do not move the maximum, as in Go, where every comparison with NaN is false.
 */
function monotonic(buckets: readonly CumulativeBucket[]): number[] {
  let max = Number.NEGATIVE_INFINITY;
  return buckets.map(({ count }) => {
    if (count > max) max = count;
    else if (count < max) return max;
    return count;
  });
}

/** Go's sort.Search: the smallest i in [0, n) for which `holds(i)`, or n, by bisection. */
function search(n: number, holds: (i: number) => boolean): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (holds(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
