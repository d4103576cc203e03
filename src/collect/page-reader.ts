// A received page made readable, at the moment it is parsed: inflated when it came gzipped, and
// then either left as bytes (all ASCII, as proxies' pages are: the parser reads them in place), or
// checked to be UTF-8 and cut into line-aligned pieces of text (body-pieces.ts).
//
// Inflating is most of what reading a page costs, and where a scrape loop of thousands of pages
// spends it is not zlib itself: `gunzipSync` sets up a new zlib stream and allocates the page's
// output buffer every time, and every such buffer lives outside V8's heap, where each 64 MB of
// them makes V8 run a full garbage collection (six a cycle at 1,000 pages of 390 KiB). One zlib
// stream, reset for each page, writing into one buffer that grows to the largest page, costs
// 0.12 ms for such a page against 0.31 ms (Node 20; 0.17 against 0.88 ms on Node 24), and
// allocates nothing (BENCHMARKS.md).
//
// Node offers no public way to inflate into a buffer of one's own, so this drives the zlib
// handle the way Node's own synchronous functions do (`_handle.writeSync`, `_writeState`, stable
// since Node 10), when the running Node has them; otherwise it falls back to `gunzipSync`. Both
// give the same bytes (tested), and the same failures.
import { isAscii } from 'node:buffer';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import type { Gunzip } from 'node:zlib';
import { bodyPieces } from './body-pieces.js';
import type { PageBody, RawBody } from './body-pieces.js';

export type PageReadFailure = { readonly ok: false; readonly reason: 'body-too-large' | 'network' | 'parse'; readonly message: string };
/** `body` as bytes is a view of the reader's buffer: valid until its next read. */
export type PageRead = { readonly ok: true; readonly body: PageBody; readonly bytes: number } | PageReadFailure;

/** What Node's synchronous zlib functions drive (lib/zlib.js processChunkSync). */
interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOffset: number, inLength: number, output: Buffer, outOffset: number, outLength: number): void;
}
type DrivenGunzip = Gunzip & { readonly _handle?: ZlibHandle | null; readonly _writeState?: Uint32Array; reset?: () => void };

/** Buffers above this are let go after the page that needed them. */
const KEPT_BUFFER_BYTES = 4 * 1024 * 1024;
const MIN_BUFFER_BYTES = 64 * 1024;
/** Deflate's best ratio: a trailer stating more than this much is not believed. */
const MAX_DEFLATE_RATIO = 1032;

export class PageReader {
  #engine: DrivenGunzip | undefined;
  #output = Buffer.allocUnsafe(0);
  /** Whether this Node lets the zlib stream be driven (see the top of this file). */
  readonly reusesInflater: boolean;

  constructor({ reuseInflater = true }: { reuseInflater?: boolean } = {}) {
    this.reusesInflater = reuseInflater && drivable(createGunzip());
  }

  /** The page's text; `encoding` as the response said (only gzip and identity are asked for). */
  read(raw: RawBody, encoding: 'gzip' | 'identity', maxBytes: number): PageRead {
    let bytes: Buffer;
    if (encoding === 'gzip') {
      const compressed = raw.length === 1 ? (raw[0] as Buffer) : Buffer.concat(raw);
      const inflated = this.reusesInflater ? this.#inflate(compressed, maxBytes) : inflateOnce(compressed, maxBytes);
      if (inflated === 'too-large') return { ok: false, reason: 'body-too-large', message: `body exceeds the ${maxBytes}-byte limit` };
      if (!Buffer.isBuffer(inflated)) return { ok: false, reason: 'network', message: `the gzip body does not decompress: ${inflated.message}` };
      bytes = inflated;
    } else {
      bytes = raw.length === 1 ? (raw[0] as Buffer) : this.#joined(raw);
    }
    // A big buffer is not kept for the next page; this one stays readable until it is read.
    if (this.#output.length > KEPT_BUFFER_BYTES) this.#output = Buffer.allocUnsafe(0);
    if (isAscii(bytes)) return { ok: true, body: bytes, bytes: bytes.length };
    // Prometheus refuses a page with bytes that are no UTF-8; decoded, they would become U+FFFD,
    // and two label values differing only there would become one series.
    const body = bodyPieces([bytes]);
    if (body === undefined) return { ok: false, reason: 'parse', message: 'the page is not valid UTF-8' };
    return { ok: true, body, bytes: bytes.length };
  }

  /** The chunks of a page that came in several, one after the other in the reader's buffer. */
  #joined(chunks: RawBody): Buffer {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    this.#ensure(size, 0);
    let at = 0;
    for (const chunk of chunks) at += chunk.copy(this.#output, at);
    return this.#output.subarray(0, size);
  }

  /** The inflated page as a view of the reader's buffer (valid until the next read), or why not. */
  #inflate(compressed: Buffer, maxBytes: number): Buffer | 'too-large' | Error {
    const engine = (this.#engine ??= quietGunzip());
    const handle = engine._handle;
    const state = engine._writeState;
    if (handle === undefined || handle === null || state === undefined || engine.reset === undefined) return inflateOnce(compressed, maxBytes);
    engine.reset();
    this.#ensure(Math.min(statedSize(compressed) + 1, maxBytes + 1), 0);
    let produced = 0;
    let inOffset = 0;
    let inLength = compressed.length;
    for (;;) {
      const output = this.#output;
      handle.writeSync(constants.Z_FINISH, compressed, inOffset, inLength, output, produced, output.length - produced);
      if (engine.destroyed) {
        // zlib refused the stream; the stream is done for, the next page gets a new one.
        this.#engine = undefined;
        return engine.errored ?? new Error('zlib failed');
      }
      const availableOut = state[0] as number;
      const availableIn = state[1] as number;
      produced = output.length - availableOut;
      if (produced > maxBytes) return 'too-large';
      inOffset += inLength - availableIn;
      inLength = availableIn;
      // Room left means zlib is done: the stream ended, or it has said why not (destroyed).
      if (availableOut > 0) return output.subarray(0, produced);
      if (output.length > maxBytes) return 'too-large';
      this.#ensure(Math.min(output.length * 2, maxBytes + 1), produced);
    }
  }

  /** A buffer of at least `size` bytes whose first `keep` bytes are the current ones. */
  #ensure(size: number, keep: number): void {
    if (this.#output.length >= size) return;
    const grown = Buffer.allocUnsafe(Math.max(size, MIN_BUFFER_BYTES));
    this.#output.copy(grown, 0, 0, keep);
    this.#output = grown;
  }
}

/** The size a gzip stream's trailer states (of its last member), believed up to deflate's best ratio. */
function statedSize(compressed: Buffer): number {
  const stated = compressed.length >= 18 ? compressed.readUInt32LE(compressed.length - 4) : 0;
  return Math.min(stated, compressed.length * MAX_DEFLATE_RATIO);
}

/** A fresh zlib stream per page, with an output buffer of the size the trailer states. */
function inflateOnce(compressed: Buffer, maxBytes: number): Buffer | 'too-large' | Error {
  try {
    return gunzipSync(compressed, { maxOutputLength: maxBytes, chunkSize: Math.max(MIN_BUFFER_BYTES, Math.min(statedSize(compressed) + 1, maxBytes + 1)) });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : (error as Error);
  }
}

/** A gunzip stream whose failures are read from `errored`, never thrown at the event loop. */
function quietGunzip(): DrivenGunzip {
  const engine: DrivenGunzip = createGunzip();
  engine.on('error', () => undefined);
  return engine;
}

function drivable(engine: DrivenGunzip): boolean {
  const ok = typeof engine._handle?.writeSync === 'function' && engine._writeState instanceof Uint32Array && typeof engine.reset === 'function';
  engine.close();
  return ok;
}
