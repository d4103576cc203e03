// The recording rules and alerts, in one place: grafana/rules/splitstat.rules.yaml (a plain
// Prometheus rules file) and deploy/prometheus-rules/ (a PrometheusRule) are both written from
// ruleGroups(). Names follow Prometheus' `level:metric:operations`; the levels are `split` (the
// labels of SPLIT) and `split_backend` (SPLIT_BACKEND).
import { by, METRIC, on, SPLIT, SPLIT_BACKEND } from './promql.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/**
 * The alerts' thresholds, each a recording rule of its own so that one can be changed in one place
 * (a kustomize patch of one rule, or an edit of the rules file) without touching the alerts.
 */
export const THRESHOLDS = {
  /** A backend's success rate may be this far (0..1) below its split's other backends. */
  successRateMargin: { record: 'splitstat:alert_success_rate_margin:ratio', value: 0.05 },
  /** A backend's observed share may be this far (0..1) from its configured share. */
  shareTolerance: { record: 'splitstat:alert_share_tolerance:ratio', value: 0.1 },
  /**
   * Requests per second below which a rate says too little to alert on: at 0.1 rps a 5-minute
   * window holds 30 requests, so a backend that should get them and gets none is no accident.
   */
  minRequestRate: { record: 'splitstat:alert_min_request_rate:rps', value: 0.1 },
} as const;

/** Recorded series, by what they mean. */
export const RECORDED = {
  responsesByClassification: 'split_backend_classification:trafficsplit_backend_responses:rate5m',
  backendResponses: 'split_backend:trafficsplit_backend_responses:rate5m',
  backendSuccesses: 'split_backend:trafficsplit_backend_successes:rate5m',
  splitResponses: 'split:trafficsplit_responses:rate5m',
  splitSuccesses: 'split:trafficsplit_successes:rate5m',
  backendSuccessRatio: 'split_backend:trafficsplit_backend_success:ratio_rate5m',
  othersSuccessRatio: 'split_backend:trafficsplit_backend_others_success:ratio_rate5m',
  configuredShare: 'split_backend:trafficsplit_backend_weight:ratio',
  observedShare: 'split_backend:trafficsplit_backend_observed_share:ratio_rate5m',
  shareDrift: 'split_backend:trafficsplit_backend_share_drift:ratio_rate5m',
  latencyBuckets: 'split_backend_le:trafficsplit_backend_response_latency_seconds_bucket:rate5m',
  latencyQuantile: 'split_backend_quantile:trafficsplit_backend_response_latency_seconds:histogram_quantile',
} as const;

/** Every series the rules record, thresholds included: what dashboards may read besides splitstat's own. */
export function recordedSeries(): Set<string> {
  return new Set<string>([...Object.values(RECORDED), ...Object.values(THRESHOLDS).map((threshold) => threshold.record)]);
}

/** The quantiles recorded (label `quantile`), as `stat ts` shows them. */
export const QUANTILES = ['0.5', '0.95', '0.99'] as const;

const BY_SPLIT = by(SPLIT);
const BY_BACKEND = by(SPLIT_BACKEND);
const ON_SPLIT = on(SPLIT);
const ON_BACKEND = on(SPLIT_BACKEND);

/** `expr` compared with a threshold series (one series without labels): keeps expr's labels. */
function against(expr: string, operator: '>' | '>=', threshold: { readonly record: string }): string {
  return `${expr} ${operator} on () group_left () ${threshold.record}`;
}

/** A PromQL selector of the alert's own split backend, for a query inside an annotation. */
function backendOf(record: string): string {
  return `printf "${record}{namespace=%q, trafficsplit=%q, kind=%q, backend=%q}" $labels.namespace $labels.trafficsplit $labels.kind $labels.backend`;
}

/** `{{ … | query }}` of the alert's backend in a recorded series, as a percentage. */
function percentOf(record: string): string {
  return `{{ with ${backendOf(record)} | query }}{{ . | first | value | humanizePercentage }}{{ else }}unknown{{ end }}`;
}

/** A threshold's current value, as a percentage, so the message says what it was measured against. */
function thresholdPercent(threshold: { readonly record: string }): string {
  return `{{ with query "${threshold.record}" }}{{ . | first | value | humanizePercentage }}{{ else }}${threshold.record}{{ end }}`;
}

const SPLIT_NAME = '{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.trafficsplit }}';
const BACKEND_NAME = `backend {{ $labels.backend }} of ${SPLIT_NAME}`;
const BACKEND_TITLE = `Backend {{ $labels.backend }} of ${SPLIT_NAME}`;

function recordingRules(): RecordingRule[] {
  const r = RECORDED;
  return [
    { record: r.responsesByClassification, expr: `sum ${by([...SPLIT_BACKEND, 'classification'])} (rate(${METRIC.responses}[5m]))` },
    { record: r.backendResponses, expr: `sum ${BY_BACKEND} (${r.responsesByClassification})` },
    { record: r.backendSuccesses, expr: `sum ${BY_BACKEND} (${r.responsesByClassification}{classification="success"})` },
    { record: r.splitResponses, expr: `sum ${BY_SPLIT} (${r.backendResponses})` },
    { record: r.splitSuccesses, expr: `sum ${BY_SPLIT} (${r.backendSuccesses})` },
    // Without traffic there is no success rate (as in `stat ts`), rather than a division by zero.
    { record: r.backendSuccessRatio, expr: `${r.backendSuccesses} / (${r.backendResponses} > 0)` },
    // The split's other backends taken together: the split's totals minus this backend's.
    {
      record: r.othersSuccessRatio,
      expr: `(${r.splitSuccesses} - ${ON_SPLIT} group_right () ${r.backendSuccesses})\n/\n((${r.splitResponses} - ${ON_SPLIT} group_right () ${r.backendResponses}) > 0)`,
    },
    // Every splitstat instance exports the same weights: one of them, not their sum.
    { record: r.configuredShare, expr: `max ${BY_BACKEND} (${METRIC.weightRatio})` },
    { record: r.observedShare, expr: `${r.backendResponses} / ${ON_SPLIT} group_left () (${r.splitResponses} > 0)` },
    { record: r.shareDrift, expr: `${r.observedShare} - ${ON_BACKEND} ${r.configuredShare}` },
    { record: r.latencyBuckets, expr: `sum ${by([...SPLIT_BACKEND, 'le'])} (rate(${METRIC.latencyBucket}[5m]))` },
    ...QUANTILES.map((quantile) => ({ record: r.latencyQuantile, expr: `histogram_quantile(${quantile}, ${r.latencyBuckets})`, labels: { quantile } })),
  ];
}

function thresholdRules(): RecordingRule[] {
  return Object.values(THRESHOLDS).map(({ record, value }) => ({ record, expr: `vector(${value})` }));
}

function splitAlerts(): AlertingRule[] {
  const r = RECORDED;
  const t = THRESHOLDS;
  return [
    {
      alert: 'TrafficSplitBackendFailing',
      // Both sides need traffic: a rate over a handful of requests says nothing.
      expr: [
        against(`(\n  ${r.othersSuccessRatio}\n  - ${r.backendSuccessRatio}\n)`, '>', t.successRateMargin),
        `and ${against(r.backendResponses, '>=', t.minRequestRate)}`,
        `and ${against(`(${r.splitResponses} - ${ON_SPLIT} group_right () ${r.backendResponses})`, '>=', t.minRequestRate)}`,
      ].join('\n'),
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `${BACKEND_TITLE} fails more often than the split's other backends`,
        description:
          `Over the last 5 minutes ${BACKEND_NAME} answered ${percentOf(r.backendSuccessRatio)} of its requests successfully, ` +
          `the split's other backends ${percentOf(r.othersSuccessRatio)}: {{ $value | humanizePercentage }} less ` +
          `(allowed: ${thresholdPercent(t.successRateMargin)}, set in ${t.successRateMargin.record}).`,
      },
    },
    {
      alert: 'TrafficSplitShareDrift',
      expr: [
        against(`abs(${r.shareDrift})`, '>', t.shareTolerance),
        `and ${ON_SPLIT} ${against(r.splitResponses, '>=', t.minRequestRate)}`,
      ].join('\n'),
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${BACKEND_TITLE} does not get its configured share of the traffic`,
        description:
          `Over the last 5 minutes ${BACKEND_NAME} served ${percentOf(r.observedShare)} of the split's requests, ` +
          `while its weight gives it ${percentOf(r.configuredShare)}: {{ $value | humanizePercentage }} apart ` +
          `(allowed: ${thresholdPercent(t.shareTolerance)}, set in ${t.shareTolerance.record}).`,
      },
    },
    {
      alert: 'TrafficSplitBackendNoTraffic',
      // The requests the weight should bring (split rate × configured share) must be enough that
      // none arriving is no chance: at least the minimum rate.
      expr: [
        against(`(${r.configuredShare} > 0) * ${ON_SPLIT} group_left () ${r.splitResponses}`, '>=', t.minRequestRate),
        `unless ${ON_BACKEND} (${r.backendResponses} > 0)`,
      ].join('\n'),
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${BACKEND_TITLE} gets no traffic although its weight is not 0`,
        description:
          `Its weight gives ${BACKEND_NAME} ${percentOf(r.configuredShare)} of the split's requests, about {{ $value | humanize }} per second, ` +
          `but it served none in the last 5 minutes.`,
      },
    },
    {
      alert: 'TrafficSplitZeroWeightTraffic',
      expr: `${r.backendResponses} > 0\nand ${ON_BACKEND} (${r.configuredShare} == 0)`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${BACKEND_TITLE} still gets traffic although its weight is 0`,
        description: `${BACKEND_TITLE} has weight 0 but served {{ $value | humanize }} requests per second over the last 5 minutes.`,
      },
    },
    {
      alert: 'TrafficSplitInvalid',
      // The notes shared-backend and several-rules describe valid splits.
      expr: `max by (namespace, trafficsplit, kind, code) (${METRIC.issues}{code!~"shared-backend|several-rules"}) > 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${SPLIT_NAME} is invalid: {{ $labels.code }}`,
        description: `splitstat reports issue {{ $labels.code }} for ${SPLIT_NAME}; \`splitstat stat ts\` and GraphQL's \`issues\` field say what is wrong.`,
      },
    },
  ];
}

function selfAlerts(): AlertingRule[] {
  return [
    {
      alert: 'SplitstatTargetsDown',
      expr: 'splitstat_scrape_targets{state="down"} > 0',
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'splitstat cannot scrape {{ $value }} proxies',
        description: 'splitstat {{ $labels.instance }} failed its last scrape of {{ $value }} proxies for 5 minutes: their traffic is missing from every split. splitstat_scrape_target_down names them and the reason.',
      },
    },
    {
      alert: 'SplitstatScrapeTooSlow',
      expr: 'increase(splitstat_scrape_cycle_overruns_total[10m]) > 0',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'splitstat scrape cycles take longer than the scrape interval',
        description: 'splitstat {{ $labels.instance }} had {{ $value | humanize }} scrape cycles longer than --scrape-interval in 10 minutes: numbers stay exact, but arrive less often.',
      },
    },
    {
      alert: 'SplitstatSeriesDropped',
      expr: 'increase(splitstat_dropped_series_total[10m]) > 0',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'splitstat drops proxy series at its series limits',
        description: 'splitstat {{ $labels.instance }} dropped {{ $value | humanize }} new series in 10 minutes (--max-series-per-target, --max-series-total): some traffic is not counted.',
      },
    },
    {
      alert: 'SplitstatHistoryDropped',
      expr: 'increase(splitstat_history_dropped_intervals_total[10m]) > 0',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'splitstat drops history at its memory limit',
        description: 'splitstat {{ $labels.instance }} dropped {{ $value | humanize }} intervals of history in 10 minutes (--max-history-memory): stat windows cover less than --max-window.',
      },
    },
    {
      alert: 'SplitstatBadInput',
      expr: '(increase(splitstat_rejected_samples_total[10m]) > 0) or (increase(splitstat_nonmonotonic_histograms_total[10m]) > 0)',
      labels: { severity: 'info' },
      annotations: {
        summary: 'splitstat refused or repaired samples from proxies',
        description: 'splitstat {{ $labels.instance }} read counter values that are no counter value, or histograms whose buckets fall, in the last 10 minutes; its log names the proxy.',
      },
    },
    {
      alert: 'SplitstatManifestProblems',
      expr: 'splitstat_split_source_problems > 0',
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'splitstat cannot read {{ $value }} split manifests',
        description: 'splitstat {{ $labels.instance }} has {{ $value }} manifest files it cannot parse; the splits in them are not measured.',
      },
    },
    {
      alert: 'SplitstatWatchFlapping',
      expr: 'increase(splitstat_kube_watch_restarts_total[15m]) > 3',
      labels: { severity: 'warning' },
      annotations: {
        summary: "splitstat's Kubernetes watch keeps restarting",
        description: 'splitstat {{ $labels.instance }} restarted its watches {{ $value | humanize }} times in 15 minutes: split changes may arrive late.',
      },
    },
    {
      alert: 'SplitstatQueriesRefused',
      expr: 'increase(splitstat_graphql_refusals_total{limit=~"timeout|answer-size"}[10m]) > 0',
      labels: { severity: 'info' },
      annotations: {
        summary: 'splitstat refuses GraphQL queries at its {{ $labels.limit }} limit',
        description: 'splitstat {{ $labels.instance }} refused {{ $value | humanize }} queries at the {{ $labels.limit }} limit in 10 minutes: clients ask for more than it allows.',
      },
    },
  ];
}

export function ruleGroups(): RuleGroup[] {
  return [
    { name: 'splitstat-thresholds', rules: thresholdRules() },
    { name: 'splitstat-recording', rules: recordingRules() },
    { name: 'splitstat-split-alerts', rules: splitAlerts() },
    { name: 'splitstat-self-alerts', rules: selfAlerts() },
  ];
}
