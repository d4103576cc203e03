// Self metrics of the scrape path (scrape mode only): targets up and down, how long cycles take,
// why scrapes fail, how much of what targets serve is unreadable, and how much history is kept.
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { TrafficWindow } from '../../window/index.js';
import type { ScrapeEngine, ScrapeFailureReason } from '../../ingest/index.js';
import { stateCounter, stateGauge } from './state-metrics.js';

/**
 * Every reason the engine can report, so each has a series from the start: an alert on
 * `increase(splitstat_scrape_failures_total[5m]) > 0` then fires on the first failure too, which
 * it cannot do on a series that only appears with it.
 */
export const SCRAPE_FAILURE_REASONS = ['timeout', 'http-status', 'body-too-large', 'network', 'aborted', 'parse', 'duplicate-series'] as const satisfies readonly ScrapeFailureReason[];

// Fails to compile when the engine gains a reason this list lacks.
type MissingReason = Exclude<ScrapeFailureReason, (typeof SCRAPE_FAILURE_REASONS)[number]>;
const _everyReasonListed: [MissingReason] extends [never] ? true : MissingReason = true;

/**
 * Down targets named one by one in splitstat_scrape_target_down, at most: enough to point at the
 * broken pods of any real incident, bounded when a whole fleet is down (the rest are counted in
 * splitstat_scrape_targets{state="down"}, and GraphQL scrapeTargets lists them all).
 */
export const MAX_DOWN_TARGET_SERIES = 100;

/** Cycle durations from a loopback demo (milliseconds) to many slow targets (the 5 s timeout, in waves). */
const CYCLE_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function registerScrapeMetrics(registry: Registry, engine: ScrapeEngine, scrapeIntervalMs: number): void {
  // The interval cycle durations are measured against (a dashboard draws both on one panel).
  stateGauge(registry, {
    name: 'splitstat_scrape_interval_seconds',
    help: 'The scrape interval (--scrape-interval): a cycle that takes longer delays the next one.',
    labelNames: [],
    collect(emit) {
      emit({}, scrapeIntervalMs / 1000);
    },
  });

  stateGauge(registry, {
    name: 'splitstat_scrape_targets',
    help: 'Proxies scraped, by the state of their last scrape (up or down).',
    labelNames: ['state'],
    collect(emit) {
      let up = 0;
      const statuses = engine.targetStatuses();
      for (const status of statuses) if (status.up) up++;
      emit({ state: 'up' }, up);
      emit({ state: 'down' }, statuses.length - up);
    },
  });

  stateGauge(registry, {
    name: 'splitstat_scrape_target_down',
    help: `1 for each proxy whose last scrape failed, with why; at most ${MAX_DOWN_TARGET_SERIES} (by namespace, then pod), the rest counted in splitstat_scrape_targets{state="down"}.`,
    labelNames: ['namespace', 'pod', 'reason'],
    collect(emit) {
      const down = engine
        .targetStatuses()
        .filter((status) => !status.up)
        .map(({ target, reason }) => ({ namespace: target.namespace, pod: target.pod, reason: reason ?? 'unknown' }))
        .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
      // One pod behind two URLs is one series (its first failure's reason).
      const named = new Set<string>();
      for (const labels of down) {
        if (named.size >= MAX_DOWN_TARGET_SERIES) break;
        const key = `${labels.namespace}/${labels.pod}`;
        if (named.has(key)) continue;
        named.add(key);
        emit(labels, 1);
      }
    },
  });

  stateGauge(registry, {
    name: 'splitstat_scrape_target_generations',
    help: "Proxies scraped, by the generation of the mesh's proxy their pages were read as (linkerd-2.12, linkerd-2.13, istio, osm, consul, envoy; unknown before any outbound request).",
    labelNames: ['generation'],
    collect(emit) {
      for (const [generation, targets] of engine.targetsByGeneration()) emit({ generation }, targets);
    },
  });

  // Fed by every cycle rather than read at scrape time: cycles run more often than Prometheus
  // usually scrapes, and a slow cycle between two scrapes must still be seen.
  const duration = new Histogram({
    name: 'splitstat_scrape_duration_seconds',
    help: 'Duration of scrape cycles (every target scraped once), observed since this metrics registry was created.',
    buckets: CYCLE_BUCKETS_SECONDS,
    registers: [registry],
  });
  engine.onCycle((report) => duration.observe(report.durationMs / 1000));

  stateCounter(registry, {
    name: 'splitstat_scrape_failures_total',
    help: 'Failed scrapes of a target, by reason: timeout, http-status, body-too-large, network, aborted, parse.',
    labelNames: ['reason'],
    collect(emit) {
      const failures = engine.failuresTotal;
      for (const reason of SCRAPE_FAILURE_REASONS) emit({ reason }, failures.get(reason) ?? 0);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_scrape_cycle_overruns_total',
    help: 'Scrape cycles that took longer than the scrape interval (the next cycle started late; the numbers stay exact, only less frequent).',
    labelNames: [],
    collect(emit) {
      emit({}, engine.overrunsTotal);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_scrape_cycles_total',
    help: 'Completed scrape cycles (the first one only takes baselines).',
    labelNames: [],
    collect(emit) {
      emit({}, engine.cycles);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_malformed_lines_total',
    help: 'Lines of scraped metrics pages that could not be parsed and were skipped.',
    labelNames: [],
    collect(emit) {
      emit({}, engine.malformedLinesTotal);
    },
  });

  stateGauge(registry, {
    name: 'splitstat_series_kept',
    help: 'Series of scraped pages kept now (counter state of split traffic, all proxies together), and the most that may be (--max-series-total).',
    labelNames: ['bound'],
    collect(emit) {
      const { used, max } = engine.seriesKept;
      emit({ bound: 'used' }, used);
      emit({ bound: 'max' }, max);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_nonmonotonic_histograms_total',
    help: "Split latency histograms in scraped pages whose cumulative buckets fall as le grows (one per page and histogram); their quantiles are computed as Prometheus' histogram_quantile computes them, with the running maximum.",
    labelNames: [],
    collect(emit) {
      emit({}, engine.nonMonotonicHistogramsTotal);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_dropped_series_total',
    help: 'New series of scraped pages not tracked because their target already held the most series kept per target (label churn).',
    labelNames: [],
    collect(emit) {
      emit({}, engine.droppedSeriesTotal);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_rejected_samples_total',
    help: 'Counter samples of scraped pages that are no counter value (negative, infinite, beyond 2^53) and were left out.',
    labelNames: [],
    collect(emit) {
      emit({}, engine.rejectedSamplesTotal);
    },
  });
}

/** How much memory the history of traffic holds, and what it dropped to stay within its bound. */
export function registerHistoryMetrics(registry: Registry, window: TrafficWindow): void {
  stateGauge(registry, {
    name: 'splitstat_history_bytes',
    help: 'Bytes the history of traffic holds now (its numbers and their index, all intervals of --max-window), and the most it may (--max-history-memory).',
    labelNames: ['bound'],
    collect(emit) {
      emit({ bound: 'used' }, window.historyBytes);
      emit({ bound: 'max' }, window.maxHistoryBytes);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_history_dropped_intervals_total',
    help: 'Intervals of history dropped before --max-window because history held --max-history-memory (stat windows then cover less).',
    labelNames: [],
    collect(emit) {
      emit({}, window.droppedIntervalsTotal);
    },
  });
}
