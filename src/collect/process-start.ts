// A proxy that restarts between two scrapes starts its counters from zero. A counter that went
// down reveals that only when it went down far enough; the process start time reveals it always.
import type { PageBody } from './body-pieces.js';

const NAME = 'process_start_time_seconds';

/** The value of the unlabelled `process_start_time_seconds` sample, if the page has one. */
export function findProcessStartTime(body: string | PageBody): number | undefined {
  if (Buffer.isBuffer(body)) return findInBytes(body);
  // Pieces are line-aligned: a line is always whole within one.
  for (const piece of typeof body === 'string' ? [body] : body) {
    const value = findIn(piece);
    if (value !== null) return value;
  }
  return undefined;
}

/** As findIn, over an ASCII page's bytes: only the line found becomes text. */
function findInBytes(bytes: Buffer): number | undefined {
  let from = 0;
  for (;;) {
    const at = bytes.indexOf(NAME, from, 'latin1');
    if (at === -1) return undefined;
    from = at + NAME.length;
    if (at > 0 && bytes[at - 1] !== 10) continue;
    let end = bytes.indexOf(10, from);
    if (end === -1) end = bytes.length;
    const found = findIn(bytes.toString('latin1', at, end));
    if (found !== null) return found;
  }
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
