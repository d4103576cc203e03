// What every splitstat dashboard shares: schema version, time settings, the built-in annotations,
// links to the other splitstat dashboards (by tag: no URL leaves Grafana), and annotation queries
// through the datasource variable.
import { DashboardCursorSync } from '@grafana/schema';
import type { AnnotationQuery, Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { DATASOURCE } from './panels.js';

/** Grafana's dashboard schema version these dashboards are written in. */
export const SCHEMA_VERSION = 39;

export interface AnnotationSpec {
  readonly name: string;
  readonly expr: string;
  readonly title: string;
  readonly text: string;
  readonly color: string;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableModel[];
  readonly annotations?: readonly AnnotationSpec[];
  readonly panels: readonly (Panel | RowPanel)[];
  /** Default time range (`now-…`). */
  readonly from?: string;
}

/** An annotation query as Grafana's Prometheus annotation editor saves it. */
type PrometheusAnnotation = AnnotationQuery & {
  readonly expr: string;
  readonly titleFormat: string;
  readonly textFormat: string;
  readonly useValueForTime: boolean;
};

function annotation(spec: AnnotationSpec): PrometheusAnnotation {
  return {
    name: spec.name,
    datasource: DATASOURCE,
    enable: true,
    iconColor: spec.color,
    // The fields Grafana's Prometheus annotation editor writes.
    expr: spec.expr,
    titleFormat: spec.title,
    textFormat: spec.text,
    useValueForTime: false,
  };
}

/** Grafana's own annotations (alerts and manual notes), as every new dashboard has them. */
const BUILT_IN: AnnotationQuery = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    schemaVersion: SCHEMA_VERSION,
    time: { from: spec.from ?? 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    refresh: '30s',
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    version: 1,
    links: [{ title: 'splitstat', type: 'dashboards', tags: ['splitstat'], asDropdown: true, includeVars: false, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    annotations: { list: [BUILT_IN, ...(spec.annotations ?? []).map(annotation)] },
    templating: { list: [...spec.variables] },
    panels: [...spec.panels],
  };
}
