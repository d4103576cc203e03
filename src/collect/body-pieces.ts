// A scraped page, as received (bytes) and as read (text in pieces). A page is kept as bytes
// until the moment it is parsed: bytes live outside V8's heap, where a page waiting its turn
// costs the garbage collector nothing, while its text, made just before the parse and dropped
// just after, dies young.
//
// The text comes in pieces of at most some 64 KiB that each end at a line break. One string for
// a whole page costs more than the parse of it: V8 puts a string over 128 KiB in its
// large-object space, and allocating one there (and collecting it) took 0.37 ms for a 390 KiB
// Linkerd page, against 0.02 ms for the same bytes as six pieces (BENCHMARKS.md). Lines never
// straddle two pieces, so the parser reads each piece on its own.

import { isAscii, isUtf8 } from 'node:buffer';

/** A page's bytes as they arrived, in order (see isUtf8Body, bodyPieces). */
export type RawBody = readonly Buffer[];

/** A page's text: line-aligned pieces in order; only the last may end without a line break. */
export type ExpositionBody = readonly string[];

/**
 * A page as it is parsed: its text in pieces, or, when every byte is ASCII, the bytes themselves,
 * which the parser reads in place where they are what it expects (parser.ts).
 */
export type PageBody = ExpositionBody | Buffer;

/** Below V8's large-object threshold (128 KiB), with room for the line that ends a piece. */
const PIECE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The body's bytes in ranges of about PIECE_BYTES that end at line breaks (the last one may
 * not). A line break byte never occurs inside a multi-byte UTF-8 character, so each range can be
 * checked and decoded on its own.
 */
function* lineAlignedRanges(chunks: RawBody): Generator<Buffer> {
  // The start of a line that began in an earlier chunk and has not ended yet.
  let pending: Buffer[] = [];
  for (const chunk of chunks) {
    let start = 0;
    if (pending.length > 0) {
      // Only a line that straddles two chunks is copied, to join its halves.
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        pending.push(chunk);
        continue;
      }
      yield Buffer.concat([...pending, chunk.subarray(0, newline + 1)]);
      pending = [];
      start = newline + 1;
    }
    // Views of the chunk, each ending at the last line break within PIECE_BYTES of its start (or,
    // for a line longer than that, at its own end): nothing of the page is copied.
    while (start < chunk.length) {
      const limit = Math.min(chunk.length, start + PIECE_BYTES);
      let end = limit === chunk.length && chunk[limit - 1] === NEWLINE ? limit : chunk.lastIndexOf(NEWLINE, limit - 1) + 1;
      if (end <= start) end = chunk.indexOf(NEWLINE, limit) + 1;
      if (end <= start) {
        pending = [chunk.subarray(start)];
        break;
      }
      yield chunk.subarray(start, end);
      start = end;
    }
  }
  if (pending.length > 0) yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
}

/** Whether the body is UTF-8, as Prometheus requires of a page (nearly every page is ASCII). */
export function isUtf8Body(chunks: RawBody): boolean {
  for (const range of lineAlignedRanges(chunks)) if (!isAscii(range) && !isUtf8(range)) return false;
  return true;
}

/**
 * The text of a body, or undefined when its bytes are not UTF-8. An ASCII range is read as a
 * latin1 copy (one byte per character, as V8 keeps such strings anyway), without decoding.
 */
export function bodyPieces(chunks: RawBody): ExpositionBody | undefined {
  const pieces: string[] = [];
  for (const range of lineAlignedRanges(chunks)) {
    if (isAscii(range)) pieces.push(range.toString('latin1'));
    else if (isUtf8(range)) pieces.push(range.toString('utf8'));
    else return undefined;
  }
  return pieces;
}

/** The whole text of a body (for tests and diagnostics; the scrape path reads pieces). */
export function bodyText(body: PageBody | RawBody): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const strings = body.filter((part): part is string => typeof part === 'string');
  return strings.length === body.length ? strings.join('') : Buffer.concat(body.filter((part): part is Buffer => typeof part !== 'string')).toString('utf8');
}
