// Cumulative histogram buckets must not decrease as `le` grows. A proxy (or anything posing as
// one) that serves them out of order gets its quantiles computed as Prometheus'
// histogram_quantile computes them, with the running maximum carried forward (quantile.ts);
// Prometheus flags such input with an annotation, and splitstat counts it
// (splitstat_nonmonotonic_histograms_total) and names the target in its log.
//
// This runs on every latency sample of split traffic, so the common case must cost next to
// nothing: proxies write a histogram's buckets one after another with `le` rising, so a run of
// samples with rising `le` is checked as it comes, and only a run that is not monotonic is looked
// at closely (its samples grouped by series without `le`, in case histograms were interleaved).
// Buckets of one histogram scattered over the page are grouped at the end the same way.

interface Observation {
  readonly series: string;
  readonly le: number;
  readonly count: number;
}

export class BucketOrderCheck {
  #run: Observation[] = [];
  #runFalls = false;
  /** Runs that fell somewhere: checked closely at the end, all together. */
  readonly #suspect: Observation[] = [];

  add(series: string, le: number, count: number): void {
    if (Number.isNaN(count)) return;
    const last = this.#run[this.#run.length - 1];
    if (last !== undefined && le <= last.le) this.#endRun();
    else if (last !== undefined && count < last.count) this.#runFalls = true;
    this.#run.push({ series, le, count });
  }

  /** How many of the page's histograms have a bucket with fewer observations than one below it. */
  nonMonotonic(): number {
    this.#endRun();
    if (this.#suspect.length === 0) return 0;
    const histograms = new Map<string, Observation[]>();
    for (const observation of this.#suspect) {
      const key = withoutLe(observation.series);
      let buckets = histograms.get(key);
      if (buckets === undefined) histograms.set(key, (buckets = []));
      buckets.push(observation);
    }
    let found = 0;
    for (const buckets of histograms.values()) {
      buckets.sort((a, b) => a.le - b.le);
      if (buckets.some((bucket, i) => i > 0 && bucket.count < (buckets[i - 1] as Observation).count)) found++;
    }
    return found;
  }

  #endRun(): void {
    // A run of one bucket proves nothing on its own: the rest of its histogram may be elsewhere.
    if (this.#runFalls || this.#run.length === 1) for (const observation of this.#run) this.#suspect.push(observation);
    this.#run = [];
    this.#runFalls = false;
  }
}

/** The series' text without its `le` label (and the comma joining it to the others). */
function withoutLe(series: string): string {
  // The label, not the same text inside a value: it follows `{` or `,`.
  let at = series.lastIndexOf('le="');
  while (at > 0 && series[at - 1] !== '{' && series[at - 1] !== ',') at = series.lastIndexOf('le="', at - 1);
  if (at <= 0) return series;
  let close = at + 4;
  while (close < series.length && series[close] !== '"') close += series[close] === '\\' ? 2 : 1;
  const afterComma = series[at - 1] === ',';
  const start = afterComma ? at - 1 : at;
  const end = !afterComma && series[close + 1] === ',' ? close + 2 : close + 1;
  return series.slice(0, start) + series.slice(end);
}
