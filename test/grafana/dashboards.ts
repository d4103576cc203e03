// The committed dashboards as users import them (grafana/dashboards/*.json), and every PromQL
// expression in them: each panel's targets, each variable's query, each annotation's query.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../packaging/dockerfile.js';

export const DASHBOARD_DIR = path.join(ROOT, 'grafana/dashboards');

/** The parts of Grafana's dashboard JSON the checks read (the file is Grafana's to define). */
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly tags?: readonly string[];
  readonly links?: readonly { readonly type: string; readonly url?: string }[];
  readonly panels: readonly PanelJson[];
  readonly templating: { readonly list: readonly VariableJson[] };
  readonly annotations: { readonly list: readonly AnnotationJson[] };
}

export interface PanelJson {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly TargetJson[];
  readonly panels?: readonly PanelJson[];
  readonly fieldConfig?: { readonly defaults: { readonly unit?: string; readonly links?: readonly unknown[] }; readonly overrides: readonly unknown[] };
}

export interface TargetJson {
  readonly refId: string;
  readonly expr: string;
  readonly instant?: boolean;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

export interface VariableJson {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly multi?: boolean;
  readonly includeAll?: boolean;
}

export interface AnnotationJson {
  readonly name: string;
  readonly builtIn?: number;
  readonly expr?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

export interface DashboardFile {
  readonly file: string;
  readonly text: string;
  readonly dashboard: DashboardJson;
}

export function dashboardFiles(): DashboardFile[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(DASHBOARD_DIR, name), 'utf8');
      return { file: `grafana/dashboards/${name}`, text, dashboard: JSON.parse(text) as DashboardJson };
    });
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: DashboardJson): PanelJson[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export type ExpressionKind = 'panel' | 'variable' | 'annotation';

export interface Expression {
  readonly dashboard: DashboardJson;
  readonly kind: ExpressionKind;
  /** Panel title and refId, variable name or annotation name: where a failure points. */
  readonly where: string;
  readonly expr: string;
  /** Table panels ask once at the end of the range; everything else asks over the range. */
  readonly instant: boolean;
  readonly datasource: { readonly type?: string; readonly uid?: string } | undefined;
}

export function expressions(dashboard: DashboardJson): Expression[] {
  const found: Expression[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      found.push({ dashboard, kind: 'panel', where: `panel "${panel.title}" ${target.refId}`, expr: target.expr, instant: target.instant === true, datasource: target.datasource });
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const expr = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    found.push({ dashboard, kind: 'variable', where: `variable ${variable.name}`, expr, instant: true, datasource: variable.datasource });
  }
  for (const annotation of dashboard.annotations.list) {
    if (annotation.builtIn === 1 || annotation.expr === undefined) continue;
    found.push({ dashboard, kind: 'annotation', where: `annotation "${annotation.name}"`, expr: annotation.expr, instant: false, datasource: annotation.datasource });
  }
  return found;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'atan2', 'inf', 'nan']);

/**
 * The metric names an expression reads: label matchers, grouping labels, strings, ranges and
 * function names taken out, what remains of the identifiers are series names.
 */
export function metricNames(expr: string): string[] {
  const labelValuesOf = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(expr.trim());
  if (labelValuesOf !== null) return labelValuesOf[1] === undefined ? [] : [labelValuesOf[1]];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ')
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    const name = match[0];
    if (match[1] === '(' || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}
