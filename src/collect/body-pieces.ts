// A scraped page as text, in pieces of at most some 64 KiB that each end at a line break. One
// string for a whole page costs more than the parse of it: V8 puts a string over 128 KiB in its
// large-object space, and allocating one there (and collecting it) took 0.37 ms for a 390 KiB
// Linkerd page, against 0.02 ms for the same bytes as six pieces (BENCHMARKS.md). Lines never
// straddle two pieces, so the parser reads each piece on its own.

import { isAscii, isUtf8 } from 'node:buffer';

/** A page's text: line-aligned pieces in order; only the last may end without a line break. */
export type ExpositionBody = readonly string[];

/** Below V8's large-object threshold (128 KiB), with room for the line that ends a piece. */
const PIECE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The text of a body received as `chunks`, or undefined when its bytes are not UTF-8. Nearly every
 * page is ASCII: then a latin1 copy (one byte per character, as V8 keeps such strings anyway)
 * reads it without decoding. A line break byte never occurs inside a multi-byte UTF-8 character,
 * so line-aligned pieces are checked and decoded one by one.
 */
export function bodyPieces(chunks: readonly Buffer[]): ExpositionBody | undefined {
  const pieces: string[] = [];
  // The start of a line that began in an earlier range and has not ended yet.
  let pending: Buffer[] = [];
  for (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += PIECE_BYTES) {
      const range = chunk.subarray(start, Math.min(chunk.length, start + PIECE_BYTES));
      const newline = range.lastIndexOf(NEWLINE);
      if (newline === -1) {
        pending.push(range);
        continue;
      }
      const head = range.subarray(0, newline + 1);
      const text = decode(pending.length === 0 ? head : Buffer.concat([...pending, head]));
      if (text === undefined) return undefined;
      pieces.push(text);
      pending = newline + 1 < range.length ? [range.subarray(newline + 1)] : [];
    }
  }
  if (pending.length > 0) {
    const text = decode(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending));
    if (text === undefined) return undefined;
    pieces.push(text);
  }
  return pieces;
}

function decode(bytes: Buffer): string | undefined {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/** The whole text of a body (for tests and diagnostics; the scrape path reads pieces). */
export function bodyText(body: ExpositionBody): string {
  return body.join('');
}
