// Number syntax of Go's strconv.ParseFloat and ParseInt, because that is what the exporters
// (Go and Rust clients alike are read by Go-based Prometheus) are held to. JavaScript's Number()
// is both too lenient (`0x10`, `Infinity`, surrounding whitespace) and too strict (`0x1p-2`,
// `1_000`, `inf`), so the syntax is checked here and Number()/BigInt only do the arithmetic.
//
// All functions read `text` between `start` (inclusive) and `end` (exclusive) so the exposition
// parser can call them on a slice of a large body without allocating a substring first.

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const UNDERSCORE = 0x5f;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_A = 0x61;
const LOWER_F = 0x66;
const LOWER_E = 0x65;
const LOWER_P = 0x70;
const LOWER_X = 0x78;
const LOWER_B = 0x62;
const LOWER_O = 0x6f;

/** ASCII lower-casing of a char code; harmless for non-letters we compare against letters. */
function lower(c: number): number {
  return c | 0x20;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHexDigit(c: number): boolean {
  const l = lower(c);
  return isDigit(c) || (l >= LOWER_A && l <= LOWER_F);
}

/** Case-insensitive comparison of text[start, end) with an all-lower-case word. */
function equalsIgnoreCase(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (lower(text.charCodeAt(start + i)) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * `inf`, `infinity` (optionally signed) and `nan` (never signed), any case — exactly the special
 * spellings ParseFloat knows. Returns undefined when the text is not one of them.
 */
function special(text: string, start: number, end: number): number | undefined {
  const c = text.charCodeAt(start);
  if (c === PLUS || c === MINUS) {
    const sign = c === MINUS ? -1 : 1;
    if (equalsIgnoreCase(text, start + 1, end, 'inf') || equalsIgnoreCase(text, start + 1, end, 'infinity')) {
      return sign * Infinity;
    }
    return undefined;
  }
  if (equalsIgnoreCase(text, start, end, 'inf') || equalsIgnoreCase(text, start, end, 'infinity')) return Infinity;
  if (equalsIgnoreCase(text, start, end, 'nan')) return Number.NaN;
  return undefined;
}

/**
 * Go allows `_` only between digits (or right after a base prefix): `1_000` and `0x_1p0` are fine,
 * `_1`, `1_`, `1__0` and `1_.5` are not.
 */
function underscoresOk(text: string, start: number, end: number): boolean {
  let i = start;
  const first = text.charCodeAt(i);
  if (first === PLUS || first === MINUS) i++;
  // 'd' digit or prefix, '_' underscore, '^' start, '!' anything else.
  let saw = '^';
  let hex = false;
  if (end - i >= 2 && text.charCodeAt(i) === ZERO) {
    const p = lower(text.charCodeAt(i + 1));
    if (p === LOWER_X || p === LOWER_B || p === LOWER_O) {
      i += 2;
      saw = 'd';
      hex = p === LOWER_X;
    }
  }
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || (hex && isHexDigit(c))) {
      saw = 'd';
    } else if (c === UNDERSCORE) {
      if (saw !== 'd') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/** Shifts a positive BigInt right by `shift` bits, rounding to nearest with ties to even. */
function shiftRightRoundingEven(value: bigint, shift: number): bigint {
  const s = BigInt(shift);
  const kept = value >> s;
  const dropped = value - (kept << s);
  const half = 1n << (s - 1n);
  if (dropped > half || (dropped === half && (kept & 1n) === 1n)) return kept + 1n;
  return kept;
}

/** Exact `x * 2^n` for results that are representable, without overflowing or underflowing early. */
function scaleByPowerOfTwo(x: number, n: number): number {
  if (n >= -1022) return x * 2 ** n;
  return x * 2 ** -1022 * 2 ** (n + 1022);
}

/**
 * mantissa × 2^exponent rounded to the nearest double (ties to even), including the subnormal
 * range; undefined when it overflows (Go reports a range error there).
 */
function binaryToNumber(mantissa: bigint, exponent: number, negative: boolean): number | undefined {
  if (mantissa === 0n) return negative ? -0 : 0;
  const bits = mantissa.toString(2).length;
  const top = exponent + bits - 1; // exponent of the leading 1 bit
  if (top > 1023) return undefined;
  // Normal numbers keep 53 significant bits; below 2^-1022 the grid is fixed at 2^-1074.
  const precision = top >= -1022 ? 53 : top + 1075;
  const drop = bits - precision;
  let m = mantissa;
  let e = exponent;
  if (drop > 0) {
    m = shiftRightRoundingEven(m, drop);
    e += drop;
  }
  const value = scaleByPowerOfTwo(Number(m), e);
  if (!Number.isFinite(value)) return undefined;
  return negative ? -value : value;
}

function parseHexFloat(text: string, start: number, end: number, negative: boolean): number | undefined {
  // `start` is just after the `0x` prefix.
  let i = start;
  let mantissa = 0n;
  let fractionDigits = 0;
  let sawDot = false;
  let sawDigits = false;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isHexDigit(c)) {
      sawDigits = true;
      mantissa = mantissa * 16n + BigInt(isDigit(c) ? c - ZERO : lower(c) - LOWER_A + 10);
      if (sawDot) fractionDigits++;
    } else if (c === DOT) {
      if (sawDot) return undefined;
      sawDot = true;
    } else if (c !== UNDERSCORE) {
      break;
    }
  }
  if (!sawDigits) return undefined;
  // A hexadecimal mantissa requires a binary exponent.
  if (i >= end || lower(text.charCodeAt(i)) !== LOWER_P) return undefined;
  const exponent = readExponent(text, i + 1, end);
  if (exponent === undefined) return undefined;
  return binaryToNumber(mantissa, exponent - 4 * fractionDigits, negative);
}

/** Signed decimal exponent digits (underscores allowed between them) filling text[start, end). */
function readExponent(text: string, start: number, end: number): number | undefined {
  let i = start;
  let sign = 1;
  const c = text.charCodeAt(i);
  if (c === PLUS) i++;
  else if (c === MINUS) {
    sign = -1;
    i++;
  }
  if (i >= end || !isDigit(text.charCodeAt(i))) return undefined;
  let value = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i);
    if (isDigit(d)) {
      // Beyond this the result is 0 or out of range anyway; keep the arithmetic exact.
      if (value < 100_000) value = value * 10 + (d - ZERO);
    } else if (d !== UNDERSCORE) {
      return undefined;
    }
  }
  return sign * value;
}

/**
 * Parses text[start, end) as Go's `strconv.ParseFloat(s, 64)` would. Returns undefined for
 * anything ParseFloat rejects, including finite literals that overflow to ±Inf (a range error
 * in Go). `NaN`, `Inf`, `+Inf`, `-Inf`, `Infinity` in any case are values.
 */
export function parseGoFloat(text: string, start = 0, end = text.length): number | undefined {
  if (start >= end) return undefined;
  const specialValue = special(text, start, end);
  if (specialValue !== undefined) return specialValue;

  let i = start;
  let negative = false;
  const first = text.charCodeAt(i);
  if (first === PLUS || first === MINUS) {
    negative = first === MINUS;
    i++;
  }
  let underscores = false;
  for (let j = i; j < end; j++) {
    if (text.charCodeAt(j) === UNDERSCORE) {
      underscores = true;
      break;
    }
  }
  if (underscores && !underscoresOk(text, start, end)) return undefined;

  if (end - i > 2 && text.charCodeAt(i) === ZERO && lower(text.charCodeAt(i + 1)) === LOWER_X) {
    return parseHexFloat(text, i + 2, end, negative);
  }

  let sawDigits = false;
  let sawDot = false;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) sawDigits = true;
    else if (c === DOT) {
      if (sawDot) return undefined;
      sawDot = true;
    } else if (c !== UNDERSCORE) break;
  }
  if (!sawDigits) return undefined;
  if (i < end) {
    if (lower(text.charCodeAt(i)) !== LOWER_E) return undefined;
    if (readExponent(text, i + 1, end) === undefined) return undefined;
  }
  // The syntax is now a subset of what Number() reads, and Number() rounds correctly too.
  const literal = text.slice(start, end);
  const value = Number(underscores ? literal.replaceAll('_', '') : literal);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Parses text[start, end) as Go's `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits
 * only, within int64. Values beyond 2^53 lose precision in the returned number.
 */
export function parseGoInt64(text: string, start = 0, end = text.length): number | undefined {
  let i = start;
  const first = text.charCodeAt(i);
  if (first === PLUS || first === MINUS) i++;
  if (i >= end) return undefined;
  let value = 0;
  for (let j = i; j < end; j++) {
    const c = text.charCodeAt(j);
    if (!isDigit(c)) return undefined;
    value = value * 10 + (c - ZERO);
  }
  if (end - i > 15) {
    // Past 2^53 the running number is inexact, so check the int64 range exactly.
    const exact = BigInt(text.slice(start, end));
    if (exact > 9_223_372_036_854_775_807n || exact < -9_223_372_036_854_775_808n) return undefined;
    return Number(exact);
  }
  // `0 - value`, not `-value`: an int64 has no negative zero, so "-0" reads as 0.
  return first === MINUS ? 0 - value : value;
}

