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
//
// Of what zlib's gunzip costs, nearly half is the CRC-32 it sums over the inflated page as it
// goes (a byte table, about 2–4 GB/s). A page of one gzip member with a plain header (every
// proxy's) is therefore inflated as raw deflate data and its trailer checked here, with a CRC-32
// about three times faster (crc32.ts): the same check, a page read in 110 µs instead of 158
// (`npm run bench:inflate`). Anything else, and any page that does not check, is read by zlib's
// gunzip, whose answer (the page, or why not) stands.
import { isAscii } from 'node:buffer';
import { constants, createGunzip, createInflateRaw, gunzipSync } from 'node:zlib';
import type { Gunzip, InflateRaw } from 'node:zlib';
import { bodyPieces } from './body-pieces.js';
import { crc32 } from './crc32.js';
import type { PageBody, RawBody } from './body-pieces.js';

export type PageReadFailure = { readonly ok: false; readonly reason: 'body-too-large' | 'network' | 'parse'; readonly message: string };
/** `body` as bytes is a view of the reader's buffer: valid until its next read. */
export type PageRead = { readonly ok: true; readonly body: PageBody; readonly bytes: number } | PageReadFailure;

/** What Node's synchronous zlib functions drive (lib/zlib.js processChunkSync). */
interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOffset: number, inLength: number, output: Buffer, outOffset: number, outLength: number): void;
}
type DrivenZlib = (Gunzip | InflateRaw) & { readonly _handle?: ZlibHandle | null; readonly _writeState?: Uint32Array; reset?: () => void };

/** Buffers above this are let go after the page that needed them. */
const KEPT_BUFFER_BYTES = 4 * 1024 * 1024;
const MIN_BUFFER_BYTES = 64 * 1024;
/** Deflate's best ratio: a trailer stating more than this much is not believed. */
const MAX_DEFLATE_RATIO = 1032;

export class PageReader {
  #gunzip: DrivenZlib | undefined;
  #inflateRaw: DrivenZlib | undefined;
  #output = Buffer.allocUnsafe(0);
  /** Whether this Node lets the zlib stream be driven (see the top of this file). */
  readonly reusesInflater: boolean;
  #inflatedChecked = 0;
  #inflatedByZlib = 0;

  constructor({ reuseInflater = true }: { reuseInflater?: boolean } = {}) {
    this.reusesInflater = reuseInflater && drivable(createGunzip());
  }

  /**
   * Gzip pages read so far: inflated and checked here (one member with a plain header, every
   * proxy's), and read by zlib whole (anything else, and pages the first way refused).
   */
  get inflated(): { readonly checked: number; readonly byZlib: number } {
    return { checked: this.#inflatedChecked, byZlib: this.#inflatedByZlib };
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
    const start = deflateStart(compressed);
    if (start !== undefined) {
      const checked = this.#inflateChecked(compressed, start, maxBytes);
      if (checked !== undefined) return checked;
    }
    // Anything the checked path does not take (several members, header fields it leaves to
    // zlib, a page that does not inflate or check): zlib reads the whole stream and says why.
    this.#inflatedByZlib++;
    const engine = (this.#gunzip ??= quiet(createGunzip()));
    const driven = this.#drive(engine, compressed, 0, maxBytes);
    if (driven === undefined) return inflateOnce(compressed, maxBytes);
    if (driven instanceof Error) this.#gunzip = undefined;
    return driven === 'too-large' || driven instanceof Error ? driven : driven.page;
  }

  /**
   * One gzip member with a plain header, as every proxy sends: its deflate data inflated without
   * zlib's check sum, then the trailer checked here (crc32.ts): the same bytes and the same
   * check, in 110 µs instead of 158 for a proxy's page (`npm run bench:inflate`). Undefined when
   * the page is anything else, for zlib to read.
   */
  #inflateChecked(compressed: Buffer, start: number, maxBytes: number): Buffer | 'too-large' | undefined {
    const engine = (this.#inflateRaw ??= quiet(createInflateRaw()));
    const driven = this.#drive(engine, compressed, start, maxBytes);
    if (driven === 'too-large') return driven;
    if (driven === undefined || driven instanceof Error) {
      this.#inflateRaw = undefined;
      return undefined;
    }
    const { page, inputEnd } = driven;
    // Exactly the trailer follows the deflate data: the page's CRC-32, then its length mod 2^32.
    if (compressed.length - inputEnd !== GZIP_TRAILER_BYTES) return undefined;
    if (compressed.readUInt32LE(inputEnd + 4) !== page.length % 2 ** 32) return undefined;
    if (crc32(page) !== compressed.readUInt32LE(inputEnd)) return undefined;
    this.#inflatedChecked++;
    return page;
  }

  /**
   * Runs `compressed` from `inOffset` through the zlib stream into the reader's buffer, growing
   * it as needed: the output as a view of that buffer, and where in `compressed` the stream ended.
   * Undefined when the stream cannot be driven.
   */
  #drive(engine: DrivenZlib, compressed: Buffer, inOffset: number, maxBytes: number): { page: Buffer; inputEnd: number } | 'too-large' | Error | undefined {
    const handle = engine._handle;
    const state = engine._writeState;
    if (handle === undefined || handle === null || state === undefined || engine.reset === undefined) return undefined;
    engine.reset();
    this.#ensure(Math.min(statedSize(compressed) + 1, maxBytes + 1), 0);
    let produced = 0;
    let inLength = compressed.length - inOffset;
    for (;;) {
      const output = this.#output;
      handle.writeSync(constants.Z_FINISH, compressed, inOffset, inLength, output, produced, output.length - produced);
      // zlib refused the stream; the stream is done for, the next page gets a new one.
      if (engine.destroyed) return engine.errored ?? new Error('zlib failed');
      const availableOut = state[0] as number;
      const availableIn = state[1] as number;
      produced = output.length - availableOut;
      if (produced > maxBytes) return 'too-large';
      inOffset += inLength - availableIn;
      inLength = availableIn;
      // Room left means zlib is done: the stream ended, or it has said why not (destroyed).
      if (availableOut > 0) return { page: output.subarray(0, produced), inputEnd: inOffset };
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

/** A zlib stream whose failures are read from `errored`, never thrown at the event loop. */
function quiet(engine: DrivenZlib): DrivenZlib {
  engine.on('error', () => undefined);
  return engine;
}

const GZIP_TRAILER_BYTES = 8;
const GZIP_FLAG_EXTRA = 0x04;
const GZIP_FLAG_NAME = 0x08;
const GZIP_FLAG_COMMENT = 0x10;
/** FHCRC (a header check sum) and the reserved bits: such headers are left to zlib. */
const GZIP_FLAGS_LEFT_TO_ZLIB = 0xe2;

/**
 * Where the deflate data of a gzip stream starts (RFC 1952 §2.3: ID1 ID2 CM FLG MTIME XFL OS,
 * then the optional fields FLG names), when the stream opens with a header of the kinds read
 * here and has room for a trailer; undefined otherwise.
 */
function deflateStart(compressed: Buffer): number | undefined {
  const length = compressed.length;
  if (length < 18 || compressed[0] !== 0x1f || compressed[1] !== 0x8b || compressed[2] !== 8) return undefined;
  const flags = compressed[3] as number;
  if ((flags & GZIP_FLAGS_LEFT_TO_ZLIB) !== 0) return undefined;
  let at = 10;
  if ((flags & GZIP_FLAG_EXTRA) !== 0) at = at + 2 > length ? length : at + 2 + compressed.readUInt16LE(at);
  if ((flags & GZIP_FLAG_NAME) !== 0) at = afterZero(compressed, at);
  if ((flags & GZIP_FLAG_COMMENT) !== 0) at = afterZero(compressed, at);
  return at <= length - GZIP_TRAILER_BYTES ? at : undefined;
}

/** Just after the zero byte that ends a header string at `at` (the buffer's length if none). */
function afterZero(bytes: Buffer, at: number): number {
  const zero = at < bytes.length ? bytes.indexOf(0, at) : -1;
  return zero < 0 ? bytes.length : zero + 1;
}

function drivable(engine: DrivenZlib): boolean {
  const ok = typeof engine._handle?.writeSync === 'function' && engine._writeState instanceof Uint32Array && typeof engine.reset === 'function';
  engine.close();
  return ok;
}
