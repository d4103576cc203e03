// Kubernetes `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource): parsing and canonical
// formatting with the same results as apimachinery. TrafficSplit v1alpha1 weights are Quantities
// and Linkerd printed them with `Quantity.String()`, so the WEIGHT column of `stat ts` depends on
// every rule below being the same as Go's.
//
// Grammar (apimachinery's): <sign>?<digits>[.<digits>]<suffix>, where the number may also be
// `<digits>.` or `.<digits>`, and the suffix is one of
//   DecimalSI        n u m "" k M G T P E          (10^-9 … 10^18)
//   BinarySI         Ki Mi Gi Ti Pi Ei             (2^10 … 2^60)
//   DecimalExponent  e<signed int> or E<signed int>

/** Which family of suffix a quantity was written in; formatting answers in the same family. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value = mantissa × 10^exponent, exact. */
  readonly mantissa: bigint;
  readonly exponent: number;
  /** The suffix family the value was written in; absent means DecimalSI. */
  readonly format?: QuantityFormat;
  /**
   * The input text exactly as written, when apimachinery would print it back unchanged.
   * Go's parser keeps the input as the cached `String()` of a quantity whenever a quick check
   * says it already looks canonical, and that check lets some non-canonical spellings through
   * (`1.500`, `+1`, `007`, `1E3`, `1.G`). Linkerd printed that cached text, so it is kept here.
   */
  readonly text?: string;
  /**
   * Set when apimachinery had to change the value to hold it: a non-zero value finer than 1n is
   * rounded away from zero to the next nano, a BinarySI value beyond 2^63-1 is capped there.
   * Kubernetes stores the changed value without a word; a weight reader reports it.
   */
  readonly adjusted?: QuantityAdjustment;
}

export type QuantityAdjustment = 'rounded-to-nano' | 'capped-at-int64';

export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

// The error texts apimachinery uses, so a log line reads the same as kubectl's.
const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const NUMERIC_WRONG = 'unable to parse numeric part of quantity';
const SUFFIX_WRONG = "unable to parse quantity's suffix";

const DECIMAL_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIX_EXPONENTS].map(([suffix, exponent]) => [exponent, suffix]),
);

/** Binary suffixes as powers of two. */
const BINARY_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

/** Characters a suffix may start with; apimachinery scans these before an optional signed integer. */
const SUFFIX_CHARACTERS = 'eEinumkKMGTP';

/** Nothing finer than 10^-9 survives parsing: apimachinery rounds away from zero to nano. */
const NANO_EXPONENT = -9;
/** BinarySI values are capped at the int64 maximum; decimal values are not capped at all. */
const MAX_BINARY_VALUE = 2n ** 63n - 1n;
/** Go keeps the exponent in an int32; larger ones wrap there, here they are refused. */
const MAX_ABS_EXPONENT = 2 ** 31 - 1;
/** apimachinery's int64 fast path handles at most 18 digits. */
const FAST_PATH_DIGITS = 18;

const ZERO: Quantity = { mantissa: 0n, exponent: 0, format: 'DecimalSI' };

/**
 * Parses a quantity the way `resource.ParseQuantity` does. A JS number is read through its
 * shortest decimal text (`0.9` → "0.9", `1e21` → "1e+21"), which is the text Kubernetes holds
 * for a JSON number. Whitespace is not trimmed (ParseQuantity rejects it; callers decoding a
 * JSON field trim first, as Quantity.UnmarshalJSON does). Throws QuantityError.
 */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? numberText(input) : input;
  const fail = (reason: string) => new QuantityError(`invalid quantity ${JSON.stringify(text)}: ${reason}`);

  if (text === '') throw fail(FORMAT_WRONG);
  if (text === '0') return { ...ZERO, text };

  const parts = scanQuantity(text);
  if (parts === undefined) throw fail(FORMAT_WRONG);
  const suffix = interpretSuffix(parts.suffix);
  if (suffix === undefined) throw fail(SUFFIX_WRONG);
  if (Math.abs(suffix.exponent) > MAX_ABS_EXPONENT) throw fail(`exponent ${suffix.exponent} is out of range`);

  const digits = parts.whole + parts.fraction;
  if (!/^\d+$/.test(digits)) throw fail(NUMERIC_WRONG);
  const unsigned = BigInt(digits);

  let mantissa: bigint;
  let exponent: number;
  if (suffix.base === 2) {
    // Exact: the decimal digits times 2^n, with the fraction still in the decimal exponent.
    mantissa = unsigned * 2n ** BigInt(suffix.exponent);
    exponent = -parts.fraction.length;
  } else {
    mantissa = unsigned;
    exponent = suffix.exponent - parts.fraction.length;
  }
  if (!parts.positive) mantissa = -mantissa;

  // "If you want some resources, you should get some": anything finer than nano rounds away
  // from zero to the next nano, so 0.9n becomes 1n and 1.1e-9 becomes 2n.
  const nano = roundAwayFromZeroToNano(mantissa, exponent);
  ({ mantissa, exponent } = nano);
  let adjusted: QuantityAdjustment | undefined = nano.rounded ? 'rounded-to-nano' : undefined;

  let format = suffix.format;
  if (format === 'BinarySI') {
    const magnitude = abs(mantissa);
    if (compareScaled(magnitude, exponent, MAX_BINARY_VALUE, 0) > 0) {
      mantissa = parts.positive ? MAX_BINARY_VALUE : -MAX_BINARY_VALUE;
      exponent = 0;
      adjusted = 'capped-at-int64';
    }
    // A binary value strictly between 0 and 1 cannot be shown in binary units without rounding.
    if (mantissa !== 0n && compareScaled(abs(mantissa), exponent, 1n, 0) < 0) format = 'DecimalSI';
  }

  const quantity = { ...withoutTrailingZeros(mantissa, exponent, format), ...(adjusted === undefined ? {} : { adjusted }) };
  return keepsInputText(parts, suffix) ? { ...quantity, text } : quantity;
}

/**
 * The canonical form apimachinery serialises: trailing zeros of the mantissa move into the
 * exponent, then the exponent is lowered to a multiple of 3 (`1.5` → `1500m`, `1000` → `1k`).
 * DecimalSI values beyond the suffix table (above E, below n) fall back to the exponent form
 * (`1e21`), as current apimachinery does, instead of dropping the magnitude as old releases did.
 * BinarySI values keep binary suffixes when they are whole numbers of at least 1024 in size.
 */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  let format = q.format ?? 'DecimalSI';
  if (format === 'BinarySI') {
    const binary = formatBinary(q);
    if (binary !== undefined) return binary;
    format = 'DecimalSI';
  }
  let { mantissa, exponent } = withoutTrailingZeros(q.mantissa, q.exponent, format);
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent -= 1;
  }
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}

/**
 * What Go's `Quantity.String()` returns for a parsed quantity: the input text when apimachinery
 * kept it (see `Quantity.text`), otherwise the canonical form.
 */
export function quantityString(q: Quantity): string {
  return q.text ?? formatQuantity(q);
}

/** The nearest JS number (`900m` → 0.9); ±Infinity beyond the double range. */
export function quantityToNumber(q: Quantity): number {
  return Number(`${q.mantissa}e${q.exponent}`);
}

/** Exact comparison of two quantities' values: -1, 0 or 1. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return compareScaled(a.mantissa, a.exponent, b.mantissa, b.exponent);
}

// ---------------------------------------------------------------------------------------------

interface ScannedQuantity {
  readonly positive: boolean;
  /** Integer digits without leading zeros; "0" when there were none. */
  readonly whole: string;
  /** Digits after the decimal point, as written (may be empty). */
  readonly fraction: string;
  readonly suffix: string;
}

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

/**
 * Splits text into sign, number and suffix with apimachinery's scanner, including its
 * permissive corners: `.`, `-`, `+` and `1.` are numbers (zero, zero, zero, one); leading zeros
 * are dropped. Returns undefined for text the scanner rejects.
 */
function scanQuantity(text: string): ScannedQuantity | undefined {
  let pos = 0;
  let positive = true;
  if (text[0] === '-' || text[0] === '+') {
    positive = text[0] === '+';
    pos = 1;
  }
  while (text[pos] === '0') pos += 1;
  // Nothing but a sign and zeros: Go returns zero before looking for a suffix.
  if (pos >= text.length) return { positive, whole: '0', fraction: '', suffix: '' };

  const wholeStart = pos;
  while (isDigit(text[pos])) pos += 1;
  const whole = pos > wholeStart ? text.slice(wholeStart, pos) : '0';

  let fraction = '';
  if (text[pos] === '.') {
    pos += 1;
    const fractionStart = pos;
    while (isDigit(text[pos])) pos += 1;
    fraction = text.slice(fractionStart, pos);
  }

  const suffixStart = pos;
  while (pos < text.length && SUFFIX_CHARACTERS.includes(text[pos] ?? '')) pos += 1;
  if (text[pos] === '-' || text[pos] === '+') pos += 1;
  while (isDigit(text[pos])) pos += 1;
  if (pos < text.length) return undefined;
  return { positive, whole, fraction, suffix: text.slice(suffixStart) };
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const decimal = DECIMAL_SUFFIX_EXPONENTS.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SUFFIX_EXPONENTS.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  // `e`/`E` followed by a Go-parseable int64 (sign allowed): `1e3`, `1E-3`, `1e+06`.
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = BigInt(suffix.slice(1));
    if (exponent > 2n ** 63n - 1n || exponent < -(2n ** 63n)) return undefined;
    return { base: 10, exponent: Number(exponent), format: 'DecimalExponent' };
  }
  return undefined;
}

/**
 * apimachinery's int64 fast path caches the input text as the quantity's string when a cheap
 * test says it is canonical. Reproduced because Linkerd printed that cached text.
 */
function keepsInputText(parts: ScannedQuantity, suffix: Suffix): boolean {
  const shifted = parts.whole + parts.fraction;
  if (suffix.base === 2) {
    if (parts.fraction !== '') return false;
    // Go's precision estimate: 1Mi (2^20) holds about 6 decimal digits.
    const precision = 15 - parts.whole.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
    if (precision < 0) return false;
    const value = BigInt(shifted);
    if (value * 2n ** BigInt(suffix.exponent) > MAX_BINARY_VALUE) return false;
    return suffix.exponent % 10 === 0 && (value & 7n) !== 0n;
  }
  if (FAST_PATH_DIGITS - shifted.length < 0) return false;
  const scale = suffix.exponent - parts.fraction.length;
  if (scale < NANO_EXPONENT) return false;
  return scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
}

/** Binary canonical form (`1536Mi`), or undefined when the value must be shown in decimal. */
function formatBinary(q: Quantity): string | undefined {
  // Below 1024 in magnitude binary suffixes add nothing; fractions cannot be shown in binary.
  if (compareScaled(abs(q.mantissa), q.exponent, 1024n, 0) < 0) return undefined;
  const whole = integerValue(q);
  if (whole === undefined) return undefined;
  let mantissa = whole;
  let power = 0;
  while (power < BINARY_SUFFIXES.length - 1 && mantissa % 1024n === 0n) {
    mantissa /= 1024n;
    power += 1;
  }
  return `${mantissa}${BINARY_SUFFIXES[power] ?? ''}`;
}

/** The value as an integer, or undefined when it has a fractional part. */
function integerValue(q: Quantity): bigint | undefined {
  if (q.exponent >= 0) return q.mantissa * 10n ** BigInt(q.exponent);
  const divisor = 10n ** BigInt(-q.exponent);
  return q.mantissa % divisor === 0n ? q.mantissa / divisor : undefined;
}

/** `rounded`: non-zero digits finer than nano were there, so the value changed. */
function roundAwayFromZeroToNano(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number; rounded: boolean } {
  if (mantissa === 0n) return { mantissa: 0n, exponent: 0, rounded: false };
  if (exponent >= NANO_EXPONENT) return { mantissa, exponent, rounded: false };
  const dropped = NANO_EXPONENT - exponent;
  const sign = mantissa < 0n ? -1n : 1n;
  const magnitude = abs(mantissa);
  // A value smaller than one nano rounds up to exactly one nano (this also avoids building
  // 10^dropped for absurd exponents like 1e-2000000000).
  if (dropped > magnitude.toString().length) return { mantissa: sign, exponent: NANO_EXPONENT, rounded: true };
  const divisor = 10n ** BigInt(dropped);
  let quotient = magnitude / divisor;
  const rounded = magnitude % divisor !== 0n;
  if (rounded) quotient += 1n;
  return { mantissa: sign * quotient, exponent: NANO_EXPONENT, rounded };
}

function withoutTrailingZeros(mantissa: bigint, exponent: number, format: QuantityFormat): Quantity {
  if (mantissa === 0n) return { mantissa: 0n, exponent: 0, format };
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  return { mantissa, exponent, format };
}

/** Compares a×10^ea with b×10^eb exactly, without building huge powers of ten needlessly. */
function compareScaled(a: bigint, ea: number, b: bigint, eb: number): -1 | 0 | 1 {
  const signA = sign(a);
  const signB = sign(b);
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  // Same non-zero sign. Different orders of magnitude decide without arithmetic, which keeps
  // absurd exponents (1e2000000000) from building giant powers of ten.
  const orderA = abs(a).toString().length + ea;
  const orderB = abs(b).toString().length + eb;
  if (orderA !== orderB) {
    const largerMagnitude = orderA > orderB ? 1 : -1;
    return signA === 1 ? largerMagnitude : largerMagnitude === 1 ? -1 : 1;
  }
  const common = Math.min(ea, eb);
  const scaledA = a * 10n ** BigInt(ea - common);
  const scaledB = b * 10n ** BigInt(eb - common);
  return scaledA < scaledB ? -1 : scaledA > scaledB ? 1 : 0;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new QuantityError(`invalid quantity ${String(value)}: not a finite number`);
  // Shortest round-trip text, the same digits and thresholds Go's JSON encoder uses for a
  // float64 (exponent form from 1e21 and below 1e-6).
  return String(value);
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function sign(value: bigint): -1 | 0 | 1 {
  return value < 0n ? -1 : value > 0n ? 1 : 0;
}
