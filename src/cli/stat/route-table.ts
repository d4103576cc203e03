// Renders `stat httproute`: the backends of HTTPRoute splits, laid out as `linkerd viz
// stat-outbound` lays out its route backends (viz/cmd/stat-outbound.go): flexible columns two
// spaces apart, text left-aligned and numbers right-aligned (cli/table/table.go), success as
// `%.2f%%`, requests per second as `%.2f`, latencies as `%.0fms`, `-` where there is no number.
// JSON uses stat-outbound's field names (successRate, rps, latencyMsP50…), null without traffic.
import { formatGoFixed } from '../../go/index.js';
import type { StatRow } from '../../stats/index.js';
import type { RenderedOutput, StatOutputFormat } from './table.js';
import { sortStatRows } from './table.js';

export interface RenderRoutesOptions {
  readonly output: StatOutputFormat;
  /** `-A`: adds the leading NAMESPACE column. */
  readonly allNamespaces: boolean;
}

interface Column {
  readonly header: string;
  readonly leftAlign: boolean;
  readonly cell: (row: StatRow) => string;
}

const SPACING = '  ';
const NO_TRAFFIC = 'No traffic found.\n';

export function renderStatRoutes(rows: readonly StatRow[], options: RenderRoutesOptions): RenderedOutput {
  const sorted = sortStatRows(rows);
  if (options.output === 'json') return { stdout: `${JSON.stringify(sorted.map(jsonRow), null, 2)}\n`, stderr: '' };
  if (sorted.length === 0) return { stdout: '', stderr: NO_TRAFFIC };
  return { stdout: renderTable(sorted, columns(options)), stderr: '' };
}

function columns({ output, allNamespaces }: RenderRoutesOptions): Column[] {
  const text = (header: string, cell: (row: StatRow) => string): Column => ({ header, leftAlign: true, cell });
  const number = (header: string, cell: (row: StatRow) => string): Column => ({ header, leftAlign: false, cell });
  return [
    ...(allNamespaces ? [text('NAMESPACE', (row) => row.namespace)] : []),
    text('NAME', (row) => row.name),
    text('SERVICE', (row) => row.apex),
    text('BACKEND', (row) => row.leaf),
    number('WEIGHT', (row) => row.weight),
    number('SUCCESS', (row) => (row.stats === null ? '-' : `${formatGoFixed(row.stats.successRate * 100, 2)}%`)),
    number('RPS', (row) => (row.stats === null ? '-' : formatGoFixed(row.stats.rps, 2))),
    number('LATENCY_P50', (row) => latency(row.stats?.latencyMsP50)),
    number('LATENCY_P95', (row) => latency(row.stats?.latencyMsP95)),
    number('LATENCY_P99', (row) => latency(row.stats?.latencyMsP99)),
    ...(output === 'wide'
      ? [
          number('WEIGHT_SHARE', (row) => (row.weightRatio === null ? '-' : `${formatGoFixed(row.weightRatio * 100, 1)}%`)),
          number('OBSERVED_SHARE', (row) => (row.observedRatio === null ? '-' : `${formatGoFixed(row.observedRatio * 100, 1)}%`)),
        ]
      : []),
  ];
}

function latency(ms: number | undefined): string {
  return ms === undefined || Number.isNaN(ms) ? '-' : `${formatGoFixed(ms, 0)}ms`;
}

function renderTable(rows: readonly StatRow[], table: readonly Column[]): string {
  const cells = [table.map((column) => column.header), ...rows.map((row) => table.map((column) => column.cell(row)))];
  // Widths in code points, as table.go counts runes.
  const widths = table.map((_, c) => Math.max(...cells.map((line) => [...(line[c] ?? '')].length)));
  return cells
    .map((line) =>
      line
        .map((value, c) => {
          const padding = ' '.repeat((widths[c] ?? 0) - [...value].length);
          return (table[c]?.leftAlign === true ? value + padding : padding + value) + SPACING;
        })
        .join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function jsonRow(row: StatRow): Record<string, unknown> {
  const { stats } = row;
  return {
    namespace: row.namespace,
    kind: 'httproute',
    name: row.name,
    service: row.apex,
    backend: row.leaf,
    weight: row.weight,
    weightShare: row.weightRatio,
    observedShare: row.observedRatio,
    successRate: stats?.successRate ?? null,
    rps: stats?.rps ?? null,
    latencyMsP50: stats?.latencyMsP50 ?? null,
    latencyMsP95: stats?.latencyMsP95 ?? null,
    latencyMsP99: stats?.latencyMsP99 ?? null,
  };
}
