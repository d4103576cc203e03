// "splitstat / splitstat": what an operator looks at when the numbers look wrong. Are the proxies
// scraped, do cycles fit the interval, are series dropped or input refused, are the splits valid,
// is the Kubernetes watch stable, how fast are queries, and how is the process itself.
import type { Dashboard } from '@grafana/schema';
import { dashboard } from './dashboard.js';
import { datasourceVariable, labelVariable, query, row, stat, table, tableQuery, thresholds, timeSeries } from './panels.js';

export const SELF_DASHBOARD_UID = 'splitstat-self';

const INSTANCE = 'instance=~"$instance"';
const RATE = '$__rate_interval';
/** prom-client's process families carry no splitstat name: keep those of splitstat's instances. */
const OF_SPLITSTAT = `and on (job, instance) splitstat_build_info{${INSTANCE}}`;

const NONE_BAD = thresholds('green', [1, 'red']);

export function selfDashboard(): Dashboard {
  let id = 0;
  const next = (): number => ++id;
  return dashboard({
    uid: SELF_DASHBOARD_UID,
    title: 'splitstat / splitstat',
    description: 'splitstat itself: targets up and down and why, scrape cycles against the interval, dropped series and refused input, split validity, Kubernetes watch restarts, GraphQL latency and refusals, and the process.',
    tags: ['splitstat'],
    variables: [datasourceVariable(), labelVariable({ name: 'instance', label: 'Instance', query: 'label_values(splitstat_build_info, instance)', multi: true, includeAll: true })],
    panels: [
      stat({
        id: next(),
        title: 'Proxies up',
        description: 'Proxies whose last scrape succeeded.',
        place: { x: 0, y: 0, w: 4, h: 4 },
        unit: 'short',
        target: query('A', `sum (splitstat_scrape_targets{${INSTANCE}, state="up"})`),
        thresholds: thresholds('green'),
      }),
      stat({
        id: next(),
        title: 'Proxies down',
        description: 'Proxies whose last scrape failed: their traffic is missing from the numbers.',
        place: { x: 4, y: 0, w: 4, h: 4 },
        unit: 'short',
        target: query('A', `sum (splitstat_scrape_targets{${INSTANCE}, state="down"})`),
        thresholds: NONE_BAD,
      }),
      stat({
        id: next(),
        title: 'Invalid splits',
        description: 'Splits with issues (the Split dashboard and `stat ts` say which).',
        place: { x: 8, y: 0, w: 4, h: 4 },
        unit: 'short',
        target: query('A', `max (splitstat_trafficsplits{${INSTANCE}, validity="invalid"})`),
        thresholds: NONE_BAD,
      }),
      stat({
        id: next(),
        title: 'Manifest problems',
        description: 'Split manifest files that do not parse (file mode) or objects that cannot be read.',
        place: { x: 12, y: 0, w: 4, h: 4 },
        unit: 'short',
        target: query('A', `max (splitstat_split_source_problems{${INSTANCE}})`),
        thresholds: NONE_BAD,
      }),
      stat({
        id: next(),
        title: 'Series kept',
        description: 'Proxy series kept over all targets, against --max-series-total.',
        place: { x: 16, y: 0, w: 4, h: 4 },
        unit: 'percentunit',
        target: query('A', `sum (splitstat_series_kept{${INSTANCE}, bound="used"}) / sum (splitstat_series_kept{${INSTANCE}, bound="max"})`),
        thresholds: thresholds('green', [0.8, 'orange'], [0.95, 'red']),
      }),
      table({
        id: next(),
        title: 'Version',
        description: 'splitstat_build_info of each instance.',
        place: { x: 20, y: 0, w: 4, h: 4 },
        targets: [tableQuery('A', `max by (instance, version) (splitstat_build_info{${INSTANCE}})`)],
        labels: [
          ['instance', 'Instance'],
          ['version', 'Version'],
        ],
        values: [],
      }),
      row(next(), 'Scraping', 4),
      timeSeries({
        id: next(),
        title: 'Proxies by state',
        description: 'Proxies up and down, by their last scrape.',
        place: { x: 0, y: 5, w: 8, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `sum by (state) (splitstat_scrape_targets{${INSTANCE}})`, '{{state}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Scrape failures by reason',
        description: 'Failed scrapes per second: timeout, http-status, body-too-large, network, aborted, parse, duplicate-series.',
        place: { x: 8, y: 5, w: 8, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `sum by (reason) (rate(splitstat_scrape_failures_total{${INSTANCE}}[${RATE}]))`, '{{reason}}')],
      }),
      table({
        id: next(),
        title: 'Proxies down, and why',
        description: 'The proxies whose last scrape failed (at most 100 are named; GraphQL scrapeTargets lists every one with its last error).',
        place: { x: 16, y: 5, w: 8, h: 8 },
        targets: [tableQuery('A', `max by (namespace, pod, reason) (splitstat_scrape_target_down{${INSTANCE}})`)],
        labels: [
          ['namespace', 'Namespace'],
          ['pod', 'Pod'],
          ['reason', 'Reason'],
        ],
        values: [],
        noValue: 'Every proxy is up',
      }),
      timeSeries({
        id: next(),
        title: 'Scrape cycle duration against the interval',
        description: 'How long a cycle over every proxy takes (p50, p99) and the scrape interval (red): a cycle longer than the interval delays the next one.',
        place: { x: 0, y: 13, w: 12, h: 8 },
        unit: 's',
        min: 0,
        targets: [
          query('A', `histogram_quantile(0.5, sum by (instance, le) (rate(splitstat_scrape_duration_seconds_bucket{${INSTANCE}}[${RATE}])))`, '{{instance}} p50'),
          query('B', `histogram_quantile(0.99, sum by (instance, le) (rate(splitstat_scrape_duration_seconds_bucket{${INSTANCE}}[${RATE}])))`, '{{instance}} p99'),
          query('C', `max by (instance) (splitstat_scrape_interval_seconds{${INSTANCE}})`, '{{instance}} interval'),
        ],
        overrides: [
          {
            matcher: { id: 'byFrameRefID', options: 'C' },
            properties: [
              { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
              { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
              { id: 'custom.fillOpacity', value: 0 },
            ],
          },
        ],
      }),
      timeSeries({
        id: next(),
        title: 'Cycles and overruns',
        description: 'Scrape cycles per second, and cycles that took longer than the interval.',
        place: { x: 12, y: 13, w: 12, h: 8 },
        unit: 'short',
        min: 0,
        targets: [
          query('A', `sum by (instance) (rate(splitstat_scrape_cycles_total{${INSTANCE}}[${RATE}]))`, '{{instance}} cycles'),
          query('B', `sum by (instance) (rate(splitstat_scrape_cycle_overruns_total{${INSTANCE}}[${RATE}]))`, '{{instance}} overruns'),
        ],
      }),
      row(next(), 'Series and input', 21),
      timeSeries({
        id: next(),
        title: 'Series kept against the limit',
        description: 'Proxy series kept over all targets (used) and --max-series-total (max): new series past the limit are dropped.',
        place: { x: 0, y: 22, w: 8, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `sum by (instance, bound) (splitstat_series_kept{${INSTANCE}})`, '{{instance}} {{bound}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Dropped series and history, refused input',
        description: 'Per second: new series dropped at the series limits, intervals of history dropped at --max-history-memory, counter samples refused, malformed lines, and histograms whose buckets fall.',
        place: { x: 8, y: 22, w: 8, h: 8 },
        unit: 'short',
        min: 0,
        targets: [
          query('A', `sum (rate(splitstat_dropped_series_total{${INSTANCE}}[${RATE}]))`, 'dropped series'),
          query('B', `sum (rate(splitstat_rejected_samples_total{${INSTANCE}}[${RATE}]))`, 'refused samples'),
          query('C', `sum (rate(splitstat_malformed_lines_total{${INSTANCE}}[${RATE}]))`, 'malformed lines'),
          query('D', `sum (rate(splitstat_nonmonotonic_histograms_total{${INSTANCE}}[${RATE}]))`, 'falling histograms'),
          query('E', `sum (rate(splitstat_history_dropped_intervals_total{${INSTANCE}}[${RATE}]))`, 'dropped history intervals'),
        ],
      }),
      timeSeries({
        id: next(),
        title: 'Proxies by generation',
        description: 'Proxies by the generation their pages were read as (linkerd-2.12 names the apex, linkerd-2.13 the backend).',
        place: { x: 16, y: 22, w: 8, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `sum by (generation) (splitstat_scrape_target_generations{${INSTANCE}})`, '{{generation}}')],
      }),
      row(next(), 'Splits and Kubernetes', 30),
      timeSeries({
        id: next(),
        title: 'Splits by validity',
        description: 'Splits of both kinds, valid and invalid.',
        place: { x: 0, y: 31, w: 12, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `max by (validity) (splitstat_trafficsplits{${INSTANCE}})`, '{{validity}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Kubernetes watch restarts',
        description: 'Restarts of the split and pod watches: a few after API server restarts are normal; a steady stream delays split changes.',
        place: { x: 12, y: 31, w: 12, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `sum by (instance) (increase(splitstat_kube_watch_restarts_total{${INSTANCE}}[${RATE}]))`, '{{instance}}')],
      }),
      row(next(), 'API', 39),
      timeSeries({
        id: next(),
        title: 'GraphQL query latency',
        description: 'How long GraphQL queries take to execute (p50, p99); in prometheus mode this includes the PromQL queries.',
        place: { x: 0, y: 40, w: 12, h: 8 },
        unit: 's',
        min: 0,
        targets: [
          query('A', `histogram_quantile(0.5, sum by (le) (rate(splitstat_graphql_query_duration_seconds_bucket{${INSTANCE}}[${RATE}])))`, 'p50'),
          query('B', `histogram_quantile(0.99, sum by (le) (rate(splitstat_graphql_query_duration_seconds_bucket{${INSTANCE}}[${RATE}])))`, 'p99'),
        ],
      }),
      timeSeries({
        id: next(),
        title: 'GraphQL refusals by limit',
        description: 'Requests refused per second by each limit (tokens, depth, aliases, cost, answer-size, timeout).',
        place: { x: 12, y: 40, w: 12, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `sum by (limit) (rate(splitstat_graphql_refusals_total{${INSTANCE}}[${RATE}]))`, '{{limit}}')],
      }),
      row(next(), 'Process', 48),
      timeSeries({
        id: next(),
        title: 'CPU',
        description: 'CPU-seconds per second of each splitstat process.',
        place: { x: 0, y: 49, w: 8, h: 8 },
        unit: 'short',
        min: 0,
        targets: [query('A', `rate(process_cpu_seconds_total[${RATE}])\n${OF_SPLITSTAT}`, '{{instance}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Memory',
        description: 'Resident memory and used V8 heap of each splitstat process.',
        place: { x: 8, y: 49, w: 8, h: 8 },
        unit: 'bytes',
        min: 0,
        targets: [
          query('A', `process_resident_memory_bytes\n${OF_SPLITSTAT}`, '{{instance}} resident'),
          query('B', `sum by (job, instance) (nodejs_heap_size_used_bytes)\n${OF_SPLITSTAT}`, '{{instance}} heap used'),
        ],
      }),
      timeSeries({
        id: next(),
        title: 'Event loop lag p99',
        description: 'How late timers and I/O callbacks run: long scrape cycles or large answers show here first.',
        place: { x: 16, y: 49, w: 8, h: 8 },
        unit: 's',
        min: 0,
        targets: [query('A', `nodejs_eventloop_lag_p99_seconds\n${OF_SPLITSTAT}`, '{{instance}}')],
      }),
    ],
  });
}
