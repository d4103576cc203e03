// Renders `stat ts` rows exactly as `linkerd viz stat ts` (stable-2.11) printed them: the table
// (and splitstat's wider variant) through a Go-compatible tabwriter, and the JSON array through
// Go-compatible encoding. SPEC-stat-ts.md §2–§4 describe the contract.

import {
  JsonUnsupportedValueError,
  formatGoFixed,
  formatGoInt,
  formatGoJsonFloat,
  formatGoJsonString,
  roundHalfAwayFromZero,
} from '../../go/index.js';
import type { BackendStats, StatRow } from '../../stats/index.js';
import { renderTabwriter, trimLeftPadding } from './tabwriter.js';

export type StatOutputFormat = 'table' | 'wide' | 'json';

export interface RenderStatTsOptions {
  readonly output: StatOutputFormat;
  /** `-A`: adds the leading NAMESPACE column (JSON always carries the namespace). */
  readonly allNamespaces: boolean;
}

export interface RenderedOutput {
  readonly stdout: string;
  readonly stderr: string;
}

const PADDING = 3;
const NO_TRAFFIC = 'No traffic found.\n';

/** Sorts by "<namespace>/<split>/<leaf>" compared as UTF-8 bytes, as Go's sort.Strings does. */
export function sortStatRows(rows: readonly StatRow[]): StatRow[] {
  const keyed = rows.map((row) => ({ row, key: Buffer.from(`${row.namespace}/${row.name}/${row.leaf}`, 'utf8') }));
  // Array.prototype.sort is stable, so rows with equal keys keep the caller's order.
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map(({ row }) => row);
}

export function renderStatTs(rows: readonly StatRow[], options: RenderStatTsOptions): RenderedOutput {
  const sorted = sortStatRows(rows);
  if (options.output === 'json') return renderJson(sorted);
  if (sorted.length === 0) return { stdout: '', stderr: NO_TRAFFIC };
  return { stdout: renderTable(sorted, options.allNamespaces, options.output === 'wide'), stderr: '' };
}

/** Rounded integer milliseconds; a quantile that is not a number counts as 0, as in Linkerd. */
function latencyMs(ms: number): number {
  const rounded = roundHalfAwayFromZero(ms);
  return Number.isFinite(rounded) ? rounded : 0;
}

// Linkerd measured names with Go's len(), i.e. in UTF-8 bytes, when padding them by hand.
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function padToBytes(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - byteLength(text)));
}

function maxByteLength(minimum: number, values: readonly string[]): number {
  return values.reduce((max, value) => Math.max(max, byteLength(value)), minimum);
}

function percent(fraction: number, digits: number): string {
  return `${formatGoFixed(fraction * 100, digits)}%`;
}

function metricCells(stats: BackendStats | null): string[] {
  if (stats === null) return ['-', '-', '-', '-', '-'];
  return [
    percent(stats.successRate, 2),
    `${formatGoFixed(stats.rps, 1)}rps`,
    `${formatGoInt(latencyMs(stats.latencyMsP50))}ms`,
    `${formatGoInt(latencyMs(stats.latencyMsP95))}ms`,
    `${formatGoInt(latencyMs(stats.latencyMsP99))}ms`,
  ];
}

function renderTable(rows: readonly StatRow[], allNamespaces: boolean, wide: boolean): string {
  // Widths start at the header's length, and the headers are padded to them too. Not WEIGHT:
  // Linkerd 2.11 widened its header only for non-TrafficSplit rows (`maxWeightLength` in
  // viz/cmd/stat.go at stable-2.11.5), so over TrafficSplits it stays six characters and is
  // right-aligned above its cells like the metric headers.
  const namespaceWidth = maxByteLength('NAMESPACE'.length, rows.map((r) => r.namespace));
  const nameWidth = maxByteLength('NAME'.length, rows.map((r) => r.name));
  const apexWidth = maxByteLength('APEX'.length, rows.map((r) => r.apex));
  const leafWidth = maxByteLength('LEAF'.length, rows.map((r) => r.leaf));

  const header = [
    ...(allNamespaces ? [padToBytes('NAMESPACE', namespaceWidth)] : []),
    padToBytes('NAME', nameWidth),
    padToBytes('APEX', apexWidth),
    padToBytes('LEAF', leafWidth),
    'WEIGHT',
    'SUCCESS',
    'RPS',
    'LATENCY_P50',
    'LATENCY_P95',
    'LATENCY_P99',
    // splitstat's own columns go after Linkerd's, so the columns they share are laid out the same.
    ...(wide ? ['WEIGHT_SHARE', 'OBSERVED_SHARE'] : []),
  ];

  const body = rows.map((row) => [
    ...(allNamespaces ? [padToBytes(row.namespace, namespaceWidth)] : []),
    padToBytes(row.name, nameWidth),
    padToBytes(row.apex, apexWidth),
    padToBytes(row.leaf, leafWidth),
    row.weight,
    ...metricCells(row.stats),
    ...(wide
      ? [
          row.weightRatio === null ? '-' : percent(row.weightRatio, 1),
          row.observedRatio === null ? '-' : percent(row.observedRatio, 1),
        ]
      : []),
  ]);

  return trimLeftPadding(renderTabwriter([header, ...body], PADDING), PADDING);
}

// The JSON document Linkerd produced with json.MarshalIndent(entries, "", "  ") plus a newline.
// Fields in struct order; the metric pointers are null without stats; apex, leaf and weight were
// `omitempty`, so an empty one is left out rather than printed as "".
function renderJson(rows: readonly StatRow[]): RenderedOutput {
  try {
    const objects = rows.map(jsonObject);
    const body = objects.length === 0 ? '[]' : `[\n${objects.join(',\n')}\n]`;
    return { stdout: `${body}\n`, stderr: '' };
  } catch (error) {
    // Go's encoder rejects NaN/±Inf for the whole document; Linkerd logged the error and printed nothing.
    if (error instanceof JsonUnsupportedValueError) return { stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
}

function jsonObject(row: StatRow): string {
  const { stats } = row;
  const fields: [string, string][] = [
    ['namespace', formatGoJsonString(row.namespace)],
    ['kind', formatGoJsonString('trafficsplit')],
    ['name', formatGoJsonString(row.name)],
    ['success', stats === null ? 'null' : formatGoJsonFloat(stats.successRate)],
    ['rps', stats === null ? 'null' : formatGoJsonFloat(stats.rps)],
    ['latency_ms_p50', stats === null ? 'null' : formatGoInt(latencyMs(stats.latencyMsP50))],
    ['latency_ms_p95', stats === null ? 'null' : formatGoInt(latencyMs(stats.latencyMsP95))],
    ['latency_ms_p99', stats === null ? 'null' : formatGoInt(latencyMs(stats.latencyMsP99))],
  ];
  for (const [key, value] of [
    ['apex', row.apex],
    ['leaf', row.leaf],
    ['weight', row.weight],
  ] as const) {
    if (value !== '') fields.push([key, formatGoJsonString(value)]);
  }
  const lines = fields.map(([key, value]) => `    ${formatGoJsonString(key)}: ${value}`);
  return `  {\n${lines.join(',\n')}\n  }`;
}
