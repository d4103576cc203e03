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
  // The current run, as parallel arrays reused from page to page: no object per sample.
  readonly #runSeries: string[] = [];
  readonly #runLe: number[] = [];
  readonly #runCount: number[] = [];
  #runLength = 0;
  #runFalls = false;
  /** Runs that fell somewhere: checked closely at the end, all together. */
  #suspect: Observation[] = [];

  /** Starts another page. */
  reset(): void {
    this.#runLength = 0;
    this.#runFalls = false;
    this.#suspect = [];
  }

  add(series: string, le: number, count: number): void {
    if (Number.isNaN(count)) return;
    const length = this.#runLength;
    if (length > 0) {
      if (le <= (this.#runLe[length - 1] as number)) this.#endRun();
      else if (count < (this.#runCount[length - 1] as number)) this.#runFalls = true;
    }
    const at = this.#runLength;
    this.#runSeries[at] = series;
    this.#runLe[at] = le;
    this.#runCount[at] = count;
    this.#runLength = at + 1;
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
    const length = this.#runLength;
    if (this.#runFalls || length === 1) {
      for (let i = 0; i < length; i++) this.#suspect.push({ series: this.#runSeries[i] as string, le: this.#runLe[i] as number, count: this.#runCount[i] as number });
    }
    this.#runLength = 0;
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
