// The scrape loop: every interval, scrape every target at once, turn each proxy's counters into
// increases, keep only split traffic, and commit one interval to the traffic window. One bad
// target (down, slow, garbage, reset) costs only its own numbers.
import { setMaxListeners } from 'node:events';
import { bodyPieces, DEFAULT_MAX_BODY_BYTES, findProcessStartTime, PageReader, parseExposition, scrapeEach, targetKey } from '../collect/index.js';
import type { PageBody, Sample, ScrapeOptions, ScrapeOutcome, ScrapeTarget } from '../collect/index.js';
import type { MeshAdapter, TrafficEdge } from '../mesh/index.js';
import { ClientEntries, PageScratch, SeriesPool, sourceKeyOf, TargetCounters } from '../window/index.js';
import type { IntervalBuilder, SourceWorkload, TrafficWindow } from '../window/index.js';
import { BucketOrderCheck } from './bucket-order.js';
import { PageSinks } from './page-sinks.js';
import type { CompiledMeaning } from './page-sinks.js';

/** What targetsByGeneration() calls a target whose pages have not said which generation it is. */
export const UNKNOWN_GENERATION = 'unknown';

export interface TargetProvider {
  targets(): readonly ScrapeTarget[];
}

/**
 * `parse`: mostly not metrics; `duplicate-series`: a series twice in one page, which Prometheus
 * refuses too (which of its values is the counter cannot be told).
 */
export type ScrapeFailureReason = Exclude<ScrapeOutcome, { ok: true }>['reason'] | 'parse' | 'duplicate-series';

export interface TargetStatus {
  readonly target: ScrapeTarget;
  readonly up: boolean;
  /** Which generation of its mesh's proxy the target was last read as (undefined before a page came). */
  readonly generation: string | undefined;
  readonly lastError: string | undefined;
  /** Why the last scrape failed (undefined while up). */
  readonly reason?: ScrapeFailureReason | undefined;
  readonly lastDurationMs: number;
  /** When the target was last scraped (ms since the epoch; 0 before its first scrape ended). */
  readonly lastScrapeAtMs: number;
}

export interface CycleReport {
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly targets: number;
  readonly up: number;
  readonly failures: ReadonlyMap<ScrapeFailureReason, number>;
  readonly samples: number;
  readonly malformedLines: number;
  /** Counter samples rejected as no counter value (negative, infinite, beyond 2^53). */
  readonly rejectedSamples: number;
  /** Split latency histograms whose cumulative buckets fall as le grows (bucket-order.ts). */
  readonly nonMonotonicHistograms: number;
}

export interface ScrapeEngineOptions {
  readonly targets: TargetProvider;
  readonly mesh: MeshAdapter;
  readonly window: TrafficWindow;
  readonly scrape?: Omit<ScrapeOptions, 'signal'>;
  /** Which traffic to keep (normally: edges whose apex has a split). Default: all. */
  readonly keepEdge?: (edge: TrafficEdge) => boolean;
  /**
   * The edges a series that names only its leaf stands for (normally: one per split listing the
   * leaf, see splitApexFilter). Without it such series are not counted.
   */
  readonly edgesOfLeaf?: (namespace: string, leaf: string, routeless: boolean) => readonly TrafficEdge[];
  readonly now?: () => number;
  /** One line per event; `warn` for a target that fails, `error` for a cycle that does. */
  readonly log?: (line: string, level?: 'info' | 'warn' | 'error') => void;
  /** Series kept per target (TargetCounters.maxSeries); the rest are counted in droppedSeriesTotal. */
  readonly maxSeriesPerTarget?: number;
  /** Series kept over all targets together (SeriesPool); the rest are counted in droppedSeriesTotal. */
  readonly maxSeriesTotal?: number;
}

interface TargetState {
  readonly counters: TargetCounters<CompiledMeaning>;
  readonly source: SourceWorkload;
  /** sourceKeyOf(source), the client's part of its interval entries. */
  readonly sourceKey: string;
  /** Its entries in the open interval. */
  readonly entries: ClientEntries;
  processStart: number | undefined;
  generation: string | undefined;
  /** Whether the last scrape had new series beyond the most kept (logged when it starts). */
  droppingSeries: boolean;
  /** Whether the last scrape had histograms out of order (logged when it starts). */
  disorderedBuckets: boolean;
  status: TargetStatus;
}

export class ScrapeEngine {
  readonly #options: ScrapeEngineOptions;
  readonly #now: () => number;
  readonly #log: (line: string, level?: 'info' | 'warn' | 'error') => void;
  readonly #states = new Map<string, TargetState>();
  readonly #pool: SeriesPool<CompiledMeaning>;
  readonly #scratch = new PageScratch<CompiledMeaning>();
  readonly #sinks: PageSinks;
  readonly #bucketOrder = new BucketOrderCheck();
  readonly #reader = new PageReader();
  /** One function for every page: the parser keeps its answers while it is given the same one. */
  readonly #acceptMetric: (metricName: string) => boolean;
  readonly #failuresTotal = new Map<ScrapeFailureReason, number>();
  readonly #cycleListeners = new Set<(report: CycleReport) => void>();
  #previousCycleAtMs: number | undefined;
  #cycles = 0;
  #malformedTotal = 0;
  #rejectedTotal = 0;
  #droppedSeriesTotal = 0;
  #nonMonotonicTotal = 0;
  #overrunsTotal = 0;
  #overrunning = false;
  #lastReport: CycleReport | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<CycleReport> | undefined;
  #abort = new AbortController();
  #stopped = false;

  constructor(options: ScrapeEngineOptions) {
    this.#options = options;
    // Every in-flight scrape listens for shutdown on this one signal: hundreds at once is normal.
    setMaxListeners(0, this.#abort.signal);
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => undefined);
    this.#pool = new SeriesPool(options.maxSeriesTotal);
    this.#sinks = new PageSinks(options.window);
    const { mesh } = options;
    this.#acceptMetric = (name) => mesh.acceptMetric(name);
  }

  /** Series kept now over all targets, and the most that may be. */
  get seriesKept(): { readonly used: number; readonly max: number } {
    return { used: this.#pool.used, max: this.#pool.max };
  }

  /** Completed cycles; the first one only takes baselines. */
  get cycles(): number {
    return this.#cycles;
  }

  get lastReport(): CycleReport | undefined {
    return this.#lastReport;
  }

  /** Scrape failures since start, by reason. */
  get failuresTotal(): ReadonlyMap<ScrapeFailureReason, number> {
    return this.#failuresTotal;
  }

  get malformedLinesTotal(): number {
    return this.#malformedTotal;
  }

  /** Series not tracked since start because their target held the most series kept (maxSeriesPerTarget). */
  get droppedSeriesTotal(): number {
    return this.#droppedSeriesTotal;
  }

  /** Split latency histograms seen with buckets out of order since start (one per page and histogram). */
  get nonMonotonicHistogramsTotal(): number {
    return this.#nonMonotonicTotal;
  }

  /** Counter samples rejected since start: negative, infinite or beyond 2^53 (counter-state.ts). */
  get rejectedSamplesTotal(): number {
    return this.#rejectedTotal;
  }

  /** Every generation the mesh adapter may read a target as. */
  get generations(): readonly string[] {
    return this.#options.mesh.generations;
  }

  /**
   * How many targets were last read as each generation, every generation listed (0 included),
   * and `unknown` for those whose pages have not told yet (no outbound requests so far).
   */
  targetsByGeneration(): Map<string, number> {
    const counts = new Map([...this.generations, UNKNOWN_GENERATION].map((generation) => [generation, 0]));
    for (const state of this.#states.values()) {
      const generation = state.generation ?? UNKNOWN_GENERATION;
      counts.set(generation, (counts.get(generation) ?? 0) + 1);
    }
    return counts;
  }

  targetStatuses(): TargetStatus[] {
    return [...this.#states.values()].map((state) => state.status);
  }

  onCycle(listener: (report: CycleReport) => void): () => void {
    this.#cycleListeners.add(listener);
    return () => this.#cycleListeners.delete(listener);
  }

  /** Runs cycles every intervalMs until stop(); a slow cycle delays the next, never overlaps it. */
  start(intervalMs: number): void {
    const tick = (): void => {
      if (this.#stopped) return;
      const started = this.#now();
      this.runCycle()
        .catch((error: unknown) => this.#log(`scrape cycle failed: ${String(error)}`, 'error'))
        .finally(() => {
          if (this.#stopped) return;
          const took = this.#now() - started;
          this.#noteOverrun(took, intervalMs);
          const wait = Math.max(0, intervalMs - took);
          this.#timer = setTimeout(tick, wait);
        });
    };
    tick();
  }

  /** Cycles that took longer than the scrape interval since start (the next one started late). */
  get overrunsTotal(): number {
    return this.#overrunsTotal;
  }

  /**
   * A fleet too large for the interval (or the CPU it has) makes cycles longer than the interval:
   * the numbers stay exact, only less frequent. Said when it starts and when it ends.
   */
  #noteOverrun(tookMs: number, intervalMs: number): void {
    const over = tookMs > intervalMs;
    if (over) this.#overrunsTotal++;
    if (over && !this.#overrunning) {
      this.#log(
        `scrape cycle of ${this.#lastReport?.targets ?? 0} targets took ${(tookMs / 1000).toFixed(1)} s, longer than the ${(intervalMs / 1000).toFixed(1)} s interval: cycles run back to back, each interval as long as its cycle (give splitstat more CPU, or split the targets with --shard)`,
        'warn',
      );
    } else if (!over && this.#overrunning) {
      this.#log(`scrape cycles fit the ${(intervalMs / 1000).toFixed(1)} s interval again (${(tookMs / 1000).toFixed(1)} s)`);
    }
    this.#overrunning = over;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
  }

  /** One scrape of every target; the increases since the previous cycle become one interval. */
  runCycle(): Promise<CycleReport> {
    if (this.#running !== undefined) return this.#running;
    this.#running = this.#cycle().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #cycle(): Promise<CycleReport> {
    const startedAtMs = this.#now();
    const targets = this.#options.targets.targets();
    this.#forgetVanished(targets);
    const interval = this.#options.window.openInterval();
    const failures = new Map<ScrapeFailureReason, number>();
    let up = 0;
    let samples = 0;
    let malformed = 0;
    let rejected = 0;
    let nonMonotonic = 0;
    await scrapeEach(targets, { ...this.#options.scrape, signal: this.#abort.signal }, (outcome) => {
      const state = this.#stateFor(outcome.target);
      if (!outcome.ok) {
        this.#markDown(state, outcome.reason, outcome.message, outcome.durationMs, failures);
        return;
      }
      // The page becomes text only now, and is garbage once read (page-reader.ts).
      const page = this.#reader.read(outcome.body, outcome.encoding, this.#options.scrape?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      if (!page.ok) {
        this.#markDown(state, page.reason, page.message, outcome.durationMs, failures);
        return;
      }
      const result = this.#ingest(state, page.body, interval);
      samples += result.samples;
      malformed += result.malformed;
      rejected += result.rejected;
      nonMonotonic += result.nonMonotonic;
      // A few bad lines are tolerated; a page that is mostly not metrics (an HTML error page, a
      // wrong port) is a failed scrape, even with a 200, and so is one with a series twice.
      if (result.failure !== undefined) {
        this.#markDown(state, result.failure.reason, result.failure.message, outcome.durationMs, failures);
        return;
      }
      up++;
      state.status = { target: outcome.target, up: true, lastError: undefined, lastDurationMs: outcome.durationMs, lastScrapeAtMs: this.#now(), generation: state.generation };
    });
    if (this.#previousCycleAtMs !== undefined) this.#options.window.commit(interval, this.#previousCycleAtMs, startedAtMs);
    this.#previousCycleAtMs = startedAtMs;
    this.#cycles++;
    this.#sinks.endCycle(this.#cycles);
    this.#malformedTotal += malformed;
    this.#rejectedTotal += rejected;
    this.#nonMonotonicTotal += nonMonotonic;
    const report: CycleReport = {
      startedAtMs,
      durationMs: this.#now() - startedAtMs,
      targets: targets.length,
      up,
      failures,
      samples,
      malformedLines: malformed,
      rejectedSamples: rejected,
      nonMonotonicHistograms: nonMonotonic,
    };
    this.#lastReport = report;
    for (const listener of this.#cycleListeners) listener(report);
    return report;
  }

  #ingest(
    state: TargetState,
    body: PageBody,
    interval: IntervalBuilder,
  ): { samples: number; malformed: number; rejected: number; nonMonotonic: number; failure: { reason: ScrapeFailureReason; message: string } | undefined } {
    const { mesh, keepEdge, edgesOfLeaf } = this.#options;
    const counters = state.counters;
    const processStart = findProcessStartTime(body);
    let restarted = false;
    if (processStart !== undefined) {
      restarted = state.processStart !== undefined && processStart !== state.processStart;
      if (restarted) counters.restarted();
      state.processStart = processStart;
    }
    // A new process may be a new proxy version: what the old one was read as no longer holds.
    // The same process stays what it was found to be, and its pages need not be searched again.
    const sameProcess = processStart !== undefined && !restarted && state.generation !== undefined;
    const generation = sameProcess ? state.generation : mesh.generation(Buffer.isBuffer(body) ? (bodyPieces([body]) ?? []) : body, restarted ? undefined : state.generation);
    if (generation !== undefined && state.generation !== undefined && generation !== state.generation) {
      const { target } = state.status;
      this.#log(`scrape ${target.url} (${target.namespace}/${target.pod}): now read as ${generation} (was ${state.generation})`);
    }
    // Until a page tells, samples are read as the oldest generation; nothing of such a page is
    // split traffic of a newer one (see MeshAdapter.generation).
    const reading = generation ?? mesh.generations[0] ?? '';
    state.generation = generation;
    counters.beginScrape(reading);
    const sinks = this.#sinks;
    sinks.beginPage();
    // Leaf-only series wait for the whole page: its balancer gauges (anywhere on the page) say
    // which apexes this client calls each leaf through.
    const parentsOfLeaf = new Map<string, Set<string>>();
    const bucketOrder = this.#bucketOrder;
    bucketOrder.reset();
    const cycle = this.#cycles;
    // What a series means is worked out once, the first time it is seen; the sample it is worked
    // out from is the one being read. One closure per page: one per line would be most of what a
    // page allocates.
    let current: Sample | undefined;
    const interpret = (): CompiledMeaning | null => (current === undefined ? null : sinks.compile(mesh.interpret(current.name, current.labels, reading)));
    const report = parseExposition(
      body,
      (sample) => {
        current = sample;
        const series = counters.observe(sample.series, sample.value, interpret);
        const meaning = series.meaning;
        if (meaning === null) return;
        if (meaning.kind === 'concrete') {
          const parents = parentsOfLeaf.get(meaning.leafKey);
          if (parents === undefined) parentsOfLeaf.set(meaning.leafKey, new Set([meaning.parent]));
          else parents.add(meaning.parent);
          return;
        }
        if (meaning.latency) bucketOrder.add(series.key, meaning.leMs, sample.value);
        const delta = series.delta;
        if (delta === 0 || meaning.index < 0) return;
        // Whether an edge is a split's is asked once per edge and cycle, not once per sample.
        if (meaning.kind === 'edge' && !sinks.kept(meaning.sink, cycle, keepEdge)) return;
        sinks.add(meaning, delta);
      },
      // A proxy writes its series in the same order every time: the one after the last found is
      // expected, and its line read without its labels when it is that one.
      // Read as bytes, such a line does not even become text (parser.ts).
      // A page given as bytes is ASCII: the reader found it so (page-reader.ts).
      { acceptMetric: this.#acceptMetric, expected: counters, asciiBytes: true },
    );
    const readable = report.samples + report.skipped;
    const { duplicates, rejected, droppedSeries } = counters;
    this.#droppedSeriesTotal += droppedSeries;
    // Said once when it starts, not on every scrape of a churning target.
    if (droppedSeries > 0 && !state.droppingSeries) {
      const { target } = state.status;
      this.#log(`scrape ${target.url} (${target.namespace}/${target.pod}): ${droppedSeries} new series not tracked: the target holds --max-series-per-target series, or all targets together hold --max-series-total`, 'warn');
    }
    state.droppingSeries = droppedSeries > 0;
    // A body that is mostly unreadable, or that has a series twice, is not a scrape: keep the old
    // values rather than count or baseline on it.
    let failure: { reason: ScrapeFailureReason; message: string } | undefined;
    if (report.malformed > readable) failure = { reason: 'parse', message: `no valid samples (${report.malformed} malformed lines)` };
    else if (duplicates > 0) failure = { reason: 'duplicate-series', message: `${duplicates} series appear more than once in the page` };
    if (failure !== undefined) {
      counters.abortScrape();
      sinks.discardPage();
      return { samples: readable, malformed: report.malformed, rejected, nonMonotonic: 0, failure };
    }
    const nonMonotonic = bucketOrder.nonMonotonic();
    if (nonMonotonic > 0 && !state.disorderedBuckets) {
      const { target } = state.status;
      this.#log(
        `scrape ${target.url} (${target.namespace}/${target.pod}): ${nonMonotonic} latency histograms have buckets that fall as le grows; their quantiles are computed as Prometheus' histogram_quantile does (running maximum)`,
        'warn',
      );
    }
    state.disorderedBuckets = nonMonotonic > 0;
    // Increases reach the interval only once the whole page is known to be usable.
    sinks.commitPage(interval, state, (namespace, leaf, routeless) => {
      // Every split listing the leaf, narrowed to the apexes this client has a route through
      // when its page says (README: Which Linkerd); direct calls to the leaf get no split.
      const parents = parentsOfLeaf.get(`${namespace}/${leaf}`);
      const edges = edgesOfLeaf?.(namespace, leaf, routeless) ?? [];
      return parents === undefined ? edges : edges.filter((edge) => parents.has(edge.apex));
    });
    counters.endScrape();
    return { samples: readable, malformed: report.malformed, rejected, nonMonotonic, failure: undefined };
  }

  #markDown(state: TargetState, reason: ScrapeFailureReason, message: string, durationMs: number, failures: Map<ScrapeFailureReason, number>): void {
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
    this.#failuresTotal.set(reason, (this.#failuresTotal.get(reason) ?? 0) + 1);
    if (state.status.up || state.status.lastError !== message) this.#log(`scrape ${state.status.target.url} (${state.status.target.namespace}/${state.status.target.pod}) failed: ${reason}: ${message}`, 'warn');
    state.status = { target: state.status.target, up: false, lastError: message, reason, lastDurationMs: durationMs, lastScrapeAtMs: this.#now(), generation: state.generation };
  }

  #stateFor(target: ScrapeTarget): TargetState {
    const key = targetKey(target);
    let state = this.#states.get(key);
    if (state === undefined) {
      const source = sourceOf(target);
      state = {
        counters: new TargetCounters<CompiledMeaning>({ maxSeries: this.#options.maxSeriesPerTarget, pool: this.#pool, scratch: this.#scratch }),
        source,
        sourceKey: sourceKeyOf(source),
        entries: new ClientEntries(),
        processStart: undefined,
        generation: undefined,
        droppingSeries: false,
        disorderedBuckets: false,
        status: { target, up: true, lastError: undefined, lastDurationMs: 0, lastScrapeAtMs: 0, generation: undefined },
      };
      this.#states.set(key, state);
    }
    return state;
  }

  /** A target that left discovery stops contributing; its counters go with it. */
  #forgetVanished(targets: readonly ScrapeTarget[]): void {
    const current = new Set(targets.map(targetKey));
    for (const [key, state] of this.#states) {
      if (current.has(key)) continue;
      state.counters.dispose();
      this.#states.delete(key);
    }
  }
}

function sourceOf(target: ScrapeTarget): SourceWorkload {
  return target.workload === undefined
    ? { namespace: target.namespace, kind: 'pod', name: target.pod }
    : { namespace: target.namespace, kind: target.workload.kind, name: target.workload.name };
}
