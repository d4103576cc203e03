// The table of the kind a stat command asked for: `stat ts` exactly as Linkerd printed it
// (table.ts), or `stat httproute` in the style of `linkerd viz stat-outbound` (route-table.ts).
import type { StatRow } from '../../stats/index.js';
import type { StatKind } from './args.js';
import { renderStatRoutes } from './route-table.js';
import { renderStatTs } from './table.js';
import type { RenderedOutput, RenderStatTsOptions } from './table.js';

export function renderStat(rows: readonly StatRow[], kind: StatKind, options: RenderStatTsOptions): RenderedOutput {
  return kind === 'TrafficSplit' ? renderStatTs(rows, options) : renderStatRoutes(rows, options);
}
