// A proxy that restarts between two scrapes starts its counters from zero. A counter that went
// down reveals that only when it went down far enough; the process start time reveals it always.
import type { ExpositionBody } from './body-pieces.js';

const NAME = 'process_start_time_seconds';

/** The value of the unlabelled `process_start_time_seconds` sample, if the page has one. */
export function findProcessStartTime(body: string | ExpositionBody): number | undefined {
  // Pieces are line-aligned: a line is always whole within one.
  for (const piece of typeof body === 'string' ? [body] : body) {
    const value = findIn(piece);
    if (value !== null) return value;
  }
  return undefined;
}

/** The value (undefined when not a number), or null when the piece has no such sample. */
function findIn(body: string): number | undefined | null {
  let from = 0;
  for (;;) {
    const at = body.indexOf(NAME, from);
    if (at === -1) return null;
    from = at + NAME.length;
    const atLineStart = at === 0 || body.charCodeAt(at - 1) === 10;
    const next = body.charCodeAt(from);
    if (!atLineStart || (next !== 32 && next !== 9)) continue;
    let end = body.indexOf('\n', from);
    if (end === -1) end = body.length;
    const value = Number(body.slice(from, end).trim().split(/[ \t]/)[0]);
    return Number.isFinite(value) ? value : undefined;
  }
}
