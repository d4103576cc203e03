// "splitstat / Split": one split, backend by backend. Is v2 healthy, and is it really getting its
// share? Every query reads splitstat's own series of the split chosen by `namespace` and `split`,
// over `$__rate_interval`, so it needs no recording rules.
import type { Dashboard } from '@grafana/schema';
import { METRIC } from './promql.js';
import { datasourceVariable, labelVariable, query, row, SUCCESS_THRESHOLDS, table, tableQuery, thresholds, timeSeries } from './panels.js';
import type { PromQuery } from './panels.js';
import { dashboard } from './dashboard.js';
import { THRESHOLDS } from './rules.js';

export const SPLIT_DASHBOARD_UID = 'splitstat-split';

const SELECT = 'namespace="$namespace", trafficsplit="$split"';
const RATE = '$__rate_interval';

function rate(metric: string, extra = '', window = RATE): string {
  return `rate(${metric}{${SELECT}${extra}}[${window}])`;
}

/** Requests per second per backend. */
function backendRate(window = RATE): string {
  return `sum by (backend) (${rate(METRIC.responses, '', window)})`;
}

function backendSuccessRatio(window = RATE): string {
  return `sum by (backend) (${rate(METRIC.responses, ', classification="success"', window)})\n/\n(${backendRate(window)} > 0)`;
}

function observedShare(window = RATE): string {
  return `${backendRate(window)}\n/ ignoring (backend) group_left ()\n(sum (${rate(METRIC.responses, '', window)}) > 0)`;
}

function configuredShare(): string {
  return `max by (backend) (${METRIC.weightRatio}{${SELECT}})`;
}

function latency(quantile: string, window = RATE): string {
  return `histogram_quantile(${quantile}, sum by (backend, le) (${rate(METRIC.latencyBucket, '', window)}))`;
}

/** The split's other backends together: the split's sums minus the backend's own. */
function othersSuccessRatio(): string {
  const success = rate(METRIC.responses, ', classification="success"');
  const all = rate(METRIC.responses);
  return `(sum (${success}) - ignoring (backend) group_right () sum by (backend) (${success}))\n/\n((sum (${all}) - ignoring (backend) group_right () sum by (backend) (${all})) > 0)`;
}

function othersLatency(quantile: string): string {
  const buckets = rate(METRIC.latencyBucket);
  return `histogram_quantile(${quantile}, sum by (le) (${buckets}) - ignoring (backend) group_right () sum by (backend, le) (${buckets}))`;
}

/** What changed in the split's weights since one step before: the annotation's points. */
export function weightChanges(): string {
  const now = `max by (backend) (${METRIC.weight}{${SELECT}})`;
  const before = `max by (backend) (${METRIC.weight}{${SELECT}} offset $__interval)`;
  return `count (\n  ${now} != ${before}\n  or (${now} unless ${before})\n  or (${before} unless ${now})\n) > 0`;
}

export function splitDashboard(): Dashboard {
  let id = 0;
  const next = (): number => ++id;
  const share = [
    { ...query('A', observedShare(), '{{backend}} observed') },
    { ...query('B', configuredShare(), '{{backend}} configured') },
  ];
  const configuredOverride = {
    matcher: { id: 'byFrameRefID', options: 'B' },
    properties: [
      // A stack of its own: each dashed line is where that backend's configured share ends, so an
      // area that stops short of or past its line is traffic the weights did not ask for.
      { id: 'custom.stacking', value: { mode: 'normal', group: 'configured' } },
      { id: 'custom.fillOpacity', value: 0 },
      { id: 'custom.lineWidth', value: 2 },
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
    ],
  };
  const tableTargets: PromQuery[] = [
    tableQuery('A', `max by (backend) (${METRIC.weight}{${SELECT}})`),
    tableQuery('B', configuredShare()),
    tableQuery('C', observedShare('$__range')),
    tableQuery('D', backendSuccessRatio('$__range')),
    tableQuery('E', backendRate('$__range')),
    tableQuery('F', latency('0.5', '$__range')),
    tableQuery('G', latency('0.95', '$__range')),
    tableQuery('H', latency('0.99', '$__range')),
  ];
  return dashboard({
    uid: SPLIT_DASHBOARD_UID,
    title: 'splitstat / Split',
    description: 'One traffic split backend by backend: configured against observed share, and each backend\'s requests, success rate and latency beside the others.',
    tags: ['splitstat', 'traffic-split'],
    variables: [
      datasourceVariable(),
      labelVariable({ name: 'namespace', label: 'Namespace', query: `label_values(${METRIC.info}, namespace)` }),
      labelVariable({ name: 'split', label: 'Split', query: `label_values(${METRIC.info}{namespace="$namespace"}, trafficsplit)` }),
    ],
    annotations: [
      {
        name: 'Weight changes',
        expr: weightChanges(),
        title: 'Weights of $split changed',
        text: '{{value}} backend(s) changed weight, joined or left',
        color: 'purple',
      },
    ],
    panels: [
      row(next(), 'Share', 0),
      timeSeries({
        id: next(),
        title: 'Share per backend: observed (areas) against configured (dashed)',
        description:
          'Areas: the share of the split\'s requests each backend served, stacked. Dashed lines: where each backend\'s configured share (weight / sum of weights) ends, stacked the same way. A backend that gets what its weight asks for fills its band up to its line. Purple markers: weight changes.',
        place: { x: 0, y: 1, w: 24, h: 10 },
        unit: 'percentunit',
        min: 0,
        max: 1,
        stacked: true,
        targets: share,
        overrides: [configuredOverride],
      }),
      table({
        id: next(),
        title: 'Backends over the whole range (like stat ts -o wide)',
        description: 'Each backend over the dashboard\'s time range: weight, configured and observed share, success rate, requests per second, and latency quantiles, as `splitstat stat ts` shows them for a window.',
        place: { x: 0, y: 11, w: 24, h: 7 },
        targets: tableTargets,
        labels: [['backend', 'Backend']],
        values: [
          { refId: 'A', title: 'Weight', unit: 'short' },
          { refId: 'B', title: 'Configured share', unit: 'percentunit' },
          { refId: 'C', title: 'Observed share', unit: 'percentunit' },
          { refId: 'D', title: 'Success', unit: 'percentunit', thresholds: SUCCESS_THRESHOLDS },
          { refId: 'E', title: 'RPS', unit: 'reqps' },
          { refId: 'F', title: 'p50', unit: 's' },
          { refId: 'G', title: 'p95', unit: 's' },
          { refId: 'H', title: 'p99', unit: 's' },
        ],
        sortBy: 'Backend',
      }),
      row(next(), 'Backends side by side', 18),
      timeSeries({
        id: next(),
        title: 'Requests per second',
        description: 'Responses per second each backend served to requests sent to the split.',
        place: { x: 0, y: 19, w: 12, h: 8 },
        unit: 'reqps',
        min: 0,
        targets: [query('A', backendRate(), '{{backend}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Success rate',
        description: 'Share of each backend\'s responses that succeeded (Linkerd\'s classification: 5xx and failed gRPC statuses are failures). Red below 95 %, orange below 99 %.',
        place: { x: 12, y: 19, w: 12, h: 8 },
        unit: 'percentunit',
        max: 1,
        thresholds: SUCCESS_THRESHOLDS,
        thresholdStyle: 'line',
        targets: [query('A', backendSuccessRatio(), '{{backend}}')],
      }),
      ...(['0.5', '0.95', '0.99'] as const).map((quantile, index) =>
        timeSeries({
          id: next(),
          title: `Latency p${Number(quantile) * 100}`,
          description: `The ${Number(quantile) * 100}th percentile of each backend's response latency, from the proxies' histograms (Prometheus' histogram_quantile).`,
          place: { x: index * 8, y: 27, w: 8, h: 8 },
          unit: 's',
          min: 0,
          targets: [query('A', latency(quantile), '{{backend}}')],
        }),
      ),
      row(next(), 'Each backend against the split\'s others', 35),
      timeSeries({
        id: next(),
        title: 'Success rate minus the other backends\'',
        description:
          "Each backend's success rate minus that of the split's other backends taken together: below 0, it fails more than they do. " +
          `The TrafficSplitBackendFailing alert fires below −${THRESHOLDS.successRateMargin.value * 100} % (${THRESHOLDS.successRateMargin.record}).`,
        place: { x: 0, y: 36, w: 12, h: 8 },
        unit: 'percentunit',
        thresholds: thresholds('red', [-0.05, 'orange'], [-0.01, 'green']),
        thresholdStyle: 'line',
        targets: [query('A', `${backendSuccessRatio()}\n- ${othersSuccessRatio()}`, '{{backend}}')],
      }),
      timeSeries({
        id: next(),
        title: 'p99 latency minus the other backends\'',
        description: 'Each backend\'s p99 latency minus the p99 of the split\'s other backends taken together (their histograms summed): above 0, it is slower.',
        place: { x: 12, y: 36, w: 12, h: 8 },
        unit: 's',
        targets: [query('A', `${latency('0.99')}\n- ${othersLatency('0.99')}`, '{{backend}}')],
      }),
      row(next(), 'Validity', 44),
      table({
        id: next(),
        title: 'Issues',
        description: 'What splitstat found wrong with the split (missing weights, unknown backends, all-zero weights, …); `splitstat stat ts` and GraphQL\'s `issues` field give the full message.',
        place: { x: 0, y: 45, w: 24, h: 5 },
        targets: [tableQuery('A', `max by (code) (${METRIC.issues}{${SELECT}})`)],
        labels: [['code', 'Issue']],
        values: [],
        noValue: 'No issues',
      }),
    ],
  });
}
