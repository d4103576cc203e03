// Small builders for the panels the dashboards use, typed with Grafana's own schema
// (@grafana/schema), so that a field Grafana does not know fails the typecheck. Every query goes
// through the `datasource` variable: no dashboard names a datasource uid.
import { ThresholdsMode, VariableHide, VariableRefresh, VariableSort } from '@grafana/schema';
import type { DataSourceRef, FieldConfigSource, Panel, RowPanel, ThresholdsConfig, VariableModel } from '@grafana/schema';

/** Every query's datasource: the dashboard's `datasource` variable. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/**
 * A Prometheus query of a panel (the fields Grafana's Prometheus query editor writes). A type, not
 * an interface, so that it is a Panel target (a record) as it is.
 */
export type PromQuery = {
  readonly refId: string;
  readonly datasource: DataSourceRef;
  readonly expr: string;
  readonly legendFormat?: string;
  /** Table panels ask once, at the end of the range (format `table`). */
  readonly instant?: boolean;
  readonly range?: boolean;
  readonly format?: 'time_series' | 'table';
  readonly editorMode: 'code';
};

export interface Place {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export type Unit = 'percentunit' | 'reqps' | 's' | 'short' | 'bytes' | 'none' | 'dateTimeFromNow';

/** `expr` as query `refId`, drawn per series with `legend`. */
export function query(refId: string, expr: string, legend?: string): PromQuery {
  return { refId, datasource: DATASOURCE, expr, ...(legend === undefined ? {} : { legendFormat: legend }), range: true, editorMode: 'code' };
}

/** `expr` asked once at the end of the dashboard's range, as table rows. */
export function tableQuery(refId: string, expr: string): PromQuery {
  return { refId, datasource: DATASOURCE, expr, instant: true, range: false, format: 'table', editorMode: 'code' };
}

/** Thresholds: the base colour, then each step's colour from its value up. */
export function thresholds(base: string, ...steps: readonly [number, string][]): ThresholdsConfig {
  return { mode: ThresholdsMode.Absolute, steps: [{ color: base, value: null }, ...steps.map(([value, color]) => ({ color, value }))] };
}

/** Red below 95 %, orange below 99 %, green from 99 %: what a success rate means to a rollout. */
export const SUCCESS_THRESHOLDS = thresholds('red', [0.95, 'orange'], [0.99, 'green']);

export interface TimeSeriesOptions {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  readonly place: Place;
  readonly unit: Unit;
  readonly targets: readonly PromQuery[];
  readonly min?: number;
  readonly max?: number;
  /** Stacked areas (shares add up to the whole). */
  readonly stacked?: boolean;
  readonly thresholds?: ThresholdsConfig;
  /** Draw the thresholds as lines or areas. */
  readonly thresholdStyle?: 'line' | 'area' | 'line+area';
  readonly overrides?: FieldConfigSource['overrides'];
}

export function timeSeries(options: TimeSeriesOptions): Panel {
  return {
    id: options.id,
    type: 'timeseries',
    title: options.title,
    description: options.description,
    datasource: DATASOURCE,
    gridPos: { ...options.place },
    targets: [...options.targets],
    fieldConfig: {
      defaults: {
        unit: options.unit,
        ...(options.min === undefined ? {} : { min: options.min }),
        ...(options.max === undefined ? {} : { max: options.max }),
        ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }),
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: options.stacked === true ? 60 : 10,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: options.stacked === true ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: options.thresholdStyle ?? 'off' },
        },
      },
      overrides: [...(options.overrides ?? [])],
    },
    options: {
      legend: { displayMode: 'table', placement: 'right', showLegend: true, calcs: ['lastNotNull', 'mean'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

export interface StatOptions {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  readonly place: Place;
  readonly unit: Unit;
  readonly target: PromQuery;
  readonly thresholds: ThresholdsConfig;
  /** What the panel says when the query has no series (e.g. "none" for a count of problems). */
  readonly noValue?: string;
}

export function stat(options: StatOptions): Panel {
  return {
    id: options.id,
    type: 'stat',
    title: options.title,
    description: options.description,
    datasource: DATASOURCE,
    gridPos: { ...options.place },
    targets: [options.target],
    fieldConfig: {
      defaults: { unit: options.unit, thresholds: options.thresholds, ...(options.noValue === undefined ? {} : { noValue: options.noValue }) },
      overrides: [],
    },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'area', textMode: 'auto', justifyMode: 'auto', orientation: 'auto' },
  };
}

export interface TableColumn {
  /** The query's refId: its value becomes this column. */
  readonly refId: string;
  readonly title: string;
  readonly unit: Unit;
  readonly thresholds?: ThresholdsConfig;
  readonly description?: string;
}

export interface TableOptions {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  readonly place: Place;
  readonly targets: readonly PromQuery[];
  /** Label columns to show, in order, and how to title them; every other label is hidden. */
  readonly labels: readonly (readonly [label: string, title: string])[];
  readonly values: readonly TableColumn[];
  readonly noValue?: string;
  /** A data link on the first label column (e.g. to the Split dashboard for that row). */
  readonly rowLink?: { readonly title: string; readonly url: string };
  readonly sortBy?: string;
}

/**
 * One row per series of the instant queries, the queries' values side by side: Grafana's
 * `merge` joins the rows on their labels, and `organize` names, orders and hides the columns.
 */
export function table(options: TableOptions): Panel {
  const valueColumn = (refId: string): string => `Value #${refId}`;
  const renameByName: Record<string, string> = {};
  const indexByName: Record<string, number> = {};
  let index = 0;
  for (const [label, title] of options.labels) {
    renameByName[label] = title;
    indexByName[label] = index++;
  }
  for (const column of options.values) {
    renameByName[valueColumn(column.refId)] = column.title;
    indexByName[valueColumn(column.refId)] = index++;
  }
  const firstLabel = options.labels[0]?.[0];
  return {
    id: options.id,
    type: 'table',
    title: options.title,
    description: options.description,
    datasource: DATASOURCE,
    gridPos: { ...options.place },
    targets: [...options.targets],
    transformations: [
      { id: 'merge', options: {} },
      // Only the named columns stay: Time and every other label are dropped.
      { id: 'filterFieldsByName', options: { include: { names: Object.keys(indexByName) } } },
      { id: 'organize', options: { excludeByName: {}, indexByName, renameByName } },
    ],
    fieldConfig: {
      defaults: { ...(options.noValue === undefined ? {} : { noValue: options.noValue }), custom: { align: 'auto', cellOptions: { type: 'auto' } } },
      overrides: [
        ...options.values.map((column) => ({
          matcher: { id: 'byName', options: column.title },
          properties: [
            { id: 'unit', value: column.unit },
            ...(column.thresholds === undefined ? [] : [{ id: 'thresholds', value: column.thresholds }, { id: 'custom.cellOptions', value: { type: 'color-text' } }]),
            ...(column.description === undefined ? [] : [{ id: 'description', value: column.description }]),
          ],
        })),
        ...(options.rowLink === undefined || firstLabel === undefined
          ? []
          : [{ matcher: { id: 'byName', options: options.labels[0]?.[1] ?? firstLabel }, properties: [{ id: 'links', value: [{ title: options.rowLink.title, url: options.rowLink.url }] }] }]),
      ],
    },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' }, ...(options.sortBy === undefined ? {} : { sortBy: [{ displayName: options.sortBy, desc: false }] }) },
  };
}

export function row(id: number, title: string, y: number): RowPanel {
  return { id, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

/** The `datasource` variable every query goes through. */
export function datasourceVariable(): VariableModel {
  return { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: VariableHide.dontHide, refresh: VariableRefresh.onDashboardLoad, regex: '', skipUrlSync: false, options: [] };
}

/** A variable whose values are a label's values in a series (`label_values(series, label)`). */
export function labelVariable(options: {
  readonly name: string;
  readonly label: string;
  readonly query: string;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
}): VariableModel {
  return {
    name: options.name,
    label: options.label,
    type: 'query',
    datasource: DATASOURCE,
    query: { query: options.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    hide: VariableHide.dontHide,
    // Splits come and go: their names are asked again whenever the time range changes.
    refresh: VariableRefresh.onTimeRangeChanged,
    regex: '',
    sort: VariableSort.alphabeticalAsc,
    multi: options.multi ?? false,
    includeAll: options.includeAll ?? false,
    skipUrlSync: false,
    options: [],
  };
}
