// The character-level grammar of an exposition line, apart from the parser that strings the
// tokens together, so each token's rules (what may start a name, which escapes a label value has,
// how a value or timestamp is read) can be read on their own, as in Prometheus' textparse lexers.
//
// These are plain functions over (text, position) that return an end index, never a token
// object: the parser calls them several times per line on megabytes of input, and small
// functions that allocate nothing are inlined into it, costing no more than the loops they hold.
// None of them looks past the `end` it is given, except where noted for names (see
// metricNameAt).

import { parseGoFloat, parseGoInt64 } from '../go/index.js';
import { regionEquals } from './intern.js';

// Character codes. Each module keeps its own: an imported constant is a module-cell load in V8,
// not a literal, and these are compared in the innermost loops.
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const ZERO = 0x30;
const NINE = 0x39;
const BACKSLASH = 0x5c;
const LOWER_N = 0x6e;

// Character classes for names, by table lookup.
const LABEL_START = 1;
const LABEL_CHAR = 2;
const METRIC_START = 4;
const METRIC_CHAR = 8;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  const digit = c >= ZERO && c <= NINE;
  const colon = c === 0x3a;
  CHAR_CLASS[c] =
    (letter ? LABEL_START | LABEL_CHAR | METRIC_START | METRIC_CHAR : 0) |
    (digit ? LABEL_CHAR | METRIC_CHAR : 0) |
    (colon ? METRIC_START | METRIC_CHAR : 0);
}

/**
 * The range check comes first on purpose: charCodeAt returns NaN past the end, and indexing a
 * typed array with NaN is a property lookup by the name "NaN" that slows every access down.
 */
function charClass(c: number): number {
  return c < 128 ? (CHAR_CLASS[c] ?? 0) : 0;
}

/** At most this many digits fit a double exactly, so the integer fast path stays exact. */
const MAX_FAST_DIGITS = 15;
const NO_BACKSLASH = Number.MAX_SAFE_INTEGER;

/** Spaces and tabs separate tokens; the server's lexer accepts both wherever one is allowed. */
export function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** The first position at or after `p` (and before `end`) that is not a space or tab. */
export function skipBlanks(text: string, p: number, end: number): number {
  while (p < end && isBlank(text.charCodeAt(p))) p++;
  return p;
}

/** The end of a run of non-blank characters: a value or timestamp token, checked afterwards. */
export function tokenEnd(text: string, p: number, end: number): number {
  while (p < end && !isBlank(text.charCodeAt(p))) p++;
  return p;
}

/** The end of the metric name starting at `start`; `start` itself when none starts there. */
export function metricNameEnd(text: string, start: number, end: number): number {
  if (start >= end || (charClass(text.charCodeAt(start)) & METRIC_START) === 0) return start;
  let p = start + 1;
  while (p < end && (charClass(text.charCodeAt(p)) & METRIC_CHAR) !== 0) p++;
  return p;
}

/** The end of the label name starting at `start`; `start` itself when none starts there. */
export function labelNameEnd(text: string, start: number, end: number): number {
  if (start >= end || (charClass(text.charCodeAt(start)) & LABEL_START) === 0) return start;
  let p = start + 1;
  while (p < end && (charClass(text.charCodeAt(p)) & LABEL_CHAR) !== 0) p++;
  return p;
}

/**
 * Whether the whole metric name at `p` is `key`, so a name seen before need not be scanned and
 * looked up again. Not bounded by the line's end: a key holds only name characters and a line
 * ends at CR or LF, so a match can never run across it.
 */
export function metricNameAt(text: string, p: number, key: string): boolean {
  return regionEquals(text, p, key) && (charClass(text.charCodeAt(p + key.length)) & METRIC_CHAR) === 0;
}

/** Whether the whole label name at `p` is `key` (see metricNameAt). */
export function labelNameAt(text: string, p: number, key: string): boolean {
  return regionEquals(text, p, key) && (charClass(text.charCodeAt(p + key.length)) & LABEL_CHAR) === 0;
}

/**
 * Whether the label value starting at `p` (just past its opening quote) is exactly `value`,
 * closing quote included. `value` must be one read without escapes, so equal text means an equal
 * value.
 */
export function quotedValueAt(text: string, p: number, end: number, value: string): boolean {
  const close = p + value.length;
  return close < end && text.charCodeAt(close) === QUOTE && regionEquals(text, p, value);
}

/**
 * The first quote at or after `p` before `end`, or -1. Found natively; whether it really closes
 * the value depends on there being no backslash before it (see EscapeFinder).
 */
export function closingQuote(text: string, p: number, end: number): number {
  const close = text.indexOf('"', p);
  return close === -1 || close >= end ? -1 : close;
}

/**
 * Tells whether a label value holds a backslash, remembering the next backslash across lines so a
 * body without escapes is searched for them only once. Positions asked about must not decrease.
 */
export class EscapeFinder {
  #next = -1;

  /** Starts over on another text. */
  reset(): void {
    this.#next = -1;
  }

  /** Whether text[from, limit) holds a backslash. */
  anyBefore(text: string, from: number, limit: number): boolean {
    let next = this.#next;
    if (next < from) {
      next = text.indexOf('\\', from);
      if (next === -1) next = NO_BACKSLASH;
      this.#next = next;
    }
    return next < limit;
  }
}

/**
 * The slow path for label values containing backslashes; `start` is just past the opening quote.
 * Returns the unescaped value and the position past the closing quote, or undefined when the
 * value does not close before `end`. Unknown escapes are kept as written, as the server does.
 */
export function unescapeLabelValue(text: string, start: number, end: number): { value: string; next: number } | undefined {
  let value = '';
  let chunk = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      value += text.slice(chunk, i);
      return { value, next: i + 1 };
    }
    if (c !== BACKSLASH) continue;
    if (i + 1 >= end) return undefined;
    const escaped = text.charCodeAt(i + 1);
    value += text.slice(chunk, i);
    if (escaped === LOWER_N) value += '\n';
    else if (escaped === BACKSLASH) value += '\\';
    else if (escaped === QUOTE) value += '"';
    else value += text.slice(i, i + 2);
    i++;
    chunk = i + 1;
  }
  return undefined;
}

/**
 * A sample value, text[start, end) being a non-empty token. Plain integers (most counters and
 * bucket counts) are read inline; anything else goes through Go's float syntax, as the server
 * reads it. undefined when it is not a number.
 */
export function sampleValue(text: string, start: number, end: number): number | undefined {
  if (end - start <= MAX_FAST_DIGITS) {
    let integer = 0;
    let p = start;
    for (; p < end; p++) {
      const c = text.charCodeAt(p);
      if (c < ZERO || c > NINE) break;
      integer = integer * 10 + (c - ZERO);
    }
    if (p === end) return integer;
  }
  return parseGoFloat(text, start, end);
}

/**
 * A sample timestamp in milliseconds, text[start, end) being a non-empty token: integer
 * milliseconds in the text format, possibly fractional seconds in OpenMetrics.
 */
export function timestampMs(text: string, start: number, end: number, openMetrics: boolean): number | undefined {
  if (!openMetrics) return parseGoInt64(text, start, end);
  const seconds = parseGoFloat(text, start, end);
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  return Math.round(seconds * 1000);
}

/** Whether the comment at `p` is OpenMetrics' `# EOF` terminator, whitespace after it allowed. */
export function isEofMarker(text: string, p: number, end: number): boolean {
  return end - p >= 5 && text.startsWith('# EOF', p) && text.slice(p + 5, end).trim() === '';
}

