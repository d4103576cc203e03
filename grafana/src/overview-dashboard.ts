// "splitstat / Overview": every split of the cluster at a glance, worst first, each row a link to
// the Split dashboard. It reads the recorded series of grafana/rules (5-minute rates), which keep
// an overview of thousands of backends cheap: load the rules with the dashboards.
import type { Dashboard } from '@grafana/schema';
import { by, METRIC, on, SPLIT } from './promql.js';
import { dashboard } from './dashboard.js';
import { datasourceVariable, labelVariable, query, stat, SUCCESS_THRESHOLDS, table, tableQuery, thresholds, timeSeries } from './panels.js';
import { RECORDED } from './rules.js';
import { SPLIT_DASHBOARD_UID } from './split-dashboard.js';

export const OVERVIEW_DASHBOARD_UID = 'splitstat-overview';

const NS = 'namespace=~"$namespace"';
const INVALID = 'code!~"shared-backend|several-rules"';
const BY_SPLIT = by(SPLIT);

/** Drift of 10 % is where the TrafficSplitShareDrift alert starts (splitstat:alert_share_tolerance:ratio). */
const DRIFT_THRESHOLDS = thresholds('green', [0.05, 'orange'], [0.1, 'red']);

export function overviewDashboard(): Dashboard {
  let id = 0;
  const next = (): number => ++id;
  const r = RECORDED;
  const splitLink = `/d/${SPLIT_DASHBOARD_UID}/splitstat-split?var-namespace=\${__data.fields.namespace}&var-split=\${__data.fields.trafficsplit}&\${datasource:queryparam}&\${__url_time_range}`;
  return dashboard({
    uid: OVERVIEW_DASHBOARD_UID,
    title: 'splitstat / Overview',
    description: 'Every traffic split with its health at a glance: traffic, the worst backend success rate, the largest drift between configured and observed share, and issues. Reads the recording rules of grafana/rules.',
    tags: ['splitstat', 'traffic-split'],
    variables: [datasourceVariable(), labelVariable({ name: 'namespace', label: 'Namespace', query: `label_values(${METRIC.info}, namespace)`, multi: true, includeAll: true })],
    panels: [
      stat({
        id: next(),
        title: 'Splits',
        description: 'TrafficSplits and weighted HTTPRoutes splitstat knows of.',
        place: { x: 0, y: 0, w: 4, h: 4 },
        unit: 'short',
        target: query('A', `count (max ${BY_SPLIT} (${METRIC.info}{${NS}}))`),
        thresholds: thresholds('blue'),
      }),
      stat({
        id: next(),
        title: 'Invalid splits',
        description: 'Splits with issues (not counting the notes shared-backend and several-rules); the table below names them.',
        place: { x: 4, y: 0, w: 4, h: 4 },
        unit: 'short',
        target: query('A', `count (max by (namespace, trafficsplit, kind) (${METRIC.issues}{${NS}, ${INVALID}})) or vector(0)`),
        thresholds: thresholds('green', [1, 'red']),
      }),
      stat({
        id: next(),
        title: 'Requests per second',
        description: 'Requests to every split, over 5 minutes.',
        place: { x: 8, y: 0, w: 5, h: 4 },
        unit: 'reqps',
        target: query('A', `sum (${r.splitResponses}{${NS}})`),
        thresholds: thresholds('blue'),
      }),
      stat({
        id: next(),
        title: 'Worst backend success rate',
        description: 'The lowest success rate of any backend with traffic, over 5 minutes.',
        place: { x: 13, y: 0, w: 5, h: 4 },
        unit: 'percentunit',
        target: query('A', `min (${r.backendSuccessRatio}{${NS}})`),
        thresholds: SUCCESS_THRESHOLDS,
        noValue: 'No traffic',
      }),
      stat({
        id: next(),
        title: 'Largest share drift',
        description: 'The largest distance between a backend\'s observed and configured share, over 5 minutes.',
        place: { x: 18, y: 0, w: 6, h: 4 },
        unit: 'percentunit',
        target: query('A', `max (abs (${r.shareDrift}{${NS}}))`),
        thresholds: DRIFT_THRESHOLDS,
        noValue: 'No traffic',
      }),
      table({
        id: next(),
        title: 'Splits (click a name for its dashboard)',
        description: 'One row per split, over the last 5 minutes. Worst success rate: of its backends with traffic. Largest drift: between a backend\'s observed and configured share.',
        place: { x: 0, y: 4, w: 24, h: 10 },
        targets: [
          tableQuery('A', `${r.splitResponses}{${NS}}`),
          tableQuery('B', `min ${BY_SPLIT} (${r.backendSuccessRatio}{${NS}})`),
          tableQuery('C', `max ${BY_SPLIT} (abs (${r.shareDrift}{${NS}}))`),
          tableQuery('D', `count ${BY_SPLIT} (${r.configuredShare}{${NS}})`),
          // The issues' series have no apex: take it from the split's info series.
          tableQuery('E', `max ${BY_SPLIT} (${METRIC.info}{${NS}})\n* ${on(['namespace', 'trafficsplit', 'kind'])} group_left ()\ncount by (namespace, trafficsplit, kind) (${METRIC.issues}{${NS}, ${INVALID}})`),
        ],
        labels: [
          ['trafficsplit', 'Split'],
          ['namespace', 'Namespace'],
          ['kind', 'Kind'],
          ['apex', 'Apex'],
        ],
        values: [
          { refId: 'A', title: 'RPS', unit: 'reqps' },
          { refId: 'B', title: 'Worst success', unit: 'percentunit', thresholds: SUCCESS_THRESHOLDS },
          { refId: 'C', title: 'Largest drift', unit: 'percentunit', thresholds: DRIFT_THRESHOLDS },
          { refId: 'D', title: 'Backends', unit: 'short' },
          { refId: 'E', title: 'Issues', unit: 'short', thresholds: thresholds('green', [1, 'red']) },
        ],
        rowLink: { title: 'Split dashboard', url: splitLink },
        sortBy: 'Worst success',
      }),
      timeSeries({
        id: next(),
        title: 'Worst backend success rate per split',
        description: 'For each split, the lowest success rate of its backends with traffic (5-minute rates).',
        place: { x: 0, y: 14, w: 12, h: 8 },
        unit: 'percentunit',
        max: 1,
        thresholds: SUCCESS_THRESHOLDS,
        thresholdStyle: 'line',
        targets: [query('A', `min by (namespace, trafficsplit) (${r.backendSuccessRatio}{${NS}})`, '{{namespace}}/{{trafficsplit}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Largest share drift per split',
        description: 'For each split, the largest distance between a backend\'s observed and configured share (5-minute rates). Brief peaks follow weight changes: the 5-minute window still holds the old split.',
        place: { x: 12, y: 14, w: 12, h: 8 },
        unit: 'percentunit',
        min: 0,
        thresholds: DRIFT_THRESHOLDS,
        thresholdStyle: 'line',
        targets: [query('A', `max by (namespace, trafficsplit) (abs (${r.shareDrift}{${NS}}))`, '{{namespace}}/{{trafficsplit}}')],
      }),
      timeSeries({
        id: next(),
        title: 'Requests per second per split',
        description: 'Requests to each split (5-minute rates).',
        place: { x: 0, y: 22, w: 24, h: 8 },
        unit: 'reqps',
        min: 0,
        stacked: true,
        targets: [query('A', `sum by (namespace, trafficsplit) (${r.splitResponses}{${NS}})`, '{{namespace}}/{{trafficsplit}}')],
      }),
    ],
  });
}
