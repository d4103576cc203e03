// Cumulative histogram buckets must not decrease as `le` grows. A proxy (or anything posing as
// one) that serves them out of order gets its quantiles computed as Prometheus'
// histogram_quantile computes them, with the running maximum carried forward (quantile.ts);
// Prometheus flags such input with an annotation, and splitstat counts it
// (splitstat_nonmonotonic_histograms_total) and names the target in its log.

/** `le="…"` as the parser keeps it in a series' identity, wherever it stands among the labels. */
const LE_LABEL = /(?<=[{,])le="(?:[^"\\]|\\.)*",?|,le="(?:[^"\\]|\\.)*"(?=})/;

export class BucketOrderCheck {
  /** Per histogram series (its identity without `le`): its buckets on this page. */
  readonly #histograms = new Map<string, { le: number; count: number }[]>();

  add(series: string, le: number, count: number): void {
    if (Number.isNaN(count)) return;
    const histogram = series.replace(LE_LABEL, '');
    let buckets = this.#histograms.get(histogram);
    if (buckets === undefined) {
      buckets = [];
      this.#histograms.set(histogram, buckets);
    }
    buckets.push({ le, count });
  }

  /** How many of the page's histograms have a bucket with fewer observations than one below it. */
  nonMonotonic(): number {
    let found = 0;
    for (const buckets of this.#histograms.values()) {
      buckets.sort((a, b) => a.le - b.le);
      if (buckets.some((bucket, i) => i > 0 && bucket.count < (buckets[i - 1] as { count: number }).count)) found++;
    }
    return found;
  }
}
