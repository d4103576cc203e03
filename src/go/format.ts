// Number and string formatting that matches Go's fmt and encoding/json byte for byte.
//
// `stat ts` output is a contract copied from a Go program, and JavaScript's built-ins disagree with
// Go in the cases that show up in real tables: `toFixed` rounds exact ties up (0.25 → "0.3") where
// Go rounds them to even ("0.2"), `Math.round` rounds -2.5 to -2 where Go's math.Round gives -3,
// and JSON.stringify escapes strings and prints -0 differently from Go's encoder.

/** |x| = mantissa × 2^exponent, exactly (x finite). */
interface BinaryDouble {
  readonly negative: boolean;
  readonly mantissa: bigint;
  readonly exponent: number;
}

const float64View = new DataView(new ArrayBuffer(8));

function decompose(x: number): BinaryDouble {
  float64View.setFloat64(0, x);
  const bits = float64View.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // Subnormals have no implicit leading 1 and the exponent of the smallest normal.
  if (biased === 0) return { negative, mantissa: fraction, exponent: -1074 };
  return { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

// 5^k gets large (k up to 1074 for subnormals); the common exponents repeat, so remember them.
const powersOfFive = new Map<number, bigint>();
function fivePow(k: number): bigint {
  let p = powersOfFive.get(k);
  if (p === undefined) {
    p = 5n ** BigInt(k);
    if (powersOfFive.size < 256) powersOfFive.set(k, p);
  }
  return p;
}

/**
 * `fmt.Sprintf("%.<digits>f", x)`: the exact binary value of `x` rounded to `digits` decimals,
 * ties to even. Non-finite values print as Go prints them ("NaN", "+Inf", "-Inf"), and the sign
 * of negative zero or of a negative value that rounds to zero is kept ("-0.0").
 */
export function formatGoFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits must be a non-negative integer, got ${digits}`);
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';

  const { negative, mantissa, exponent } = decompose(x);
  // scaled = round_half_even(|x| × 10^digits), computed on integers only.
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * 10n ** BigInt(digits);
  } else {
    // |x| = mantissa / 2^k = mantissa × 5^k / 10^k: an exact decimal with k fraction digits.
    const k = -exponent;
    const decimal = mantissa * fivePow(k);
    if (k <= digits) {
      scaled = decimal * 10n ** BigInt(digits - k);
    } else {
      const divisor = 10n ** BigInt(k - digits);
      scaled = decimal / divisor;
      const twiceRemainder = (decimal % divisor) * 2n;
      if (twiceRemainder > divisor || (twiceRemainder === divisor && (scaled & 1n) === 1n)) scaled += 1n;
    }
  }

  let text = scaled.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`;
  }
  return negative ? `-${text}` : text;
}

/**
 * Go's math.Round: halves go away from zero (2.5 → 3, -2.5 → -3), unlike Math.round (-2.5 → -2).
 * NaN and ±Inf come back unchanged; callers decide what they mean.
 */
export function roundHalfAwayFromZero(x: number): number {
  if (!Number.isFinite(x)) return x;
  const truncated = Math.trunc(x);
  // x - trunc(x) is exact in binary floating point, so this test has no rounding error of its own.
  if (Math.abs(x - truncated) >= 0.5) return truncated + Math.sign(x);
  return truncated;
}

/**
 * `%d` of an integer-valued number, never in exponent form (String(1e21) is "1e+21", Go's
 * "1000000000000000000000"). Non-integers are truncated toward zero like a Go int conversion.
 */
export function formatGoInt(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  return BigInt(Math.trunc(x)).toString();
}

/** Go's encoding/json refuses NaN and ±Inf; this carries its message. */
export class JsonUnsupportedValueError extends Error {
  constructor(value: number) {
    super(`json: unsupported value: ${formatGoFloatG(value)}`);
    this.name = 'JsonUnsupportedValueError';
  }
}

function formatGoFloatG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/**
 * A float64 as Go's encoding/json writes it. Go prints the shortest round-trip digits, in plain
 * notation for 1e-6 <= |x| < 1e21 and exponent notation outside, then shortens "e-07" to "e-7";
 * that yields exactly what JavaScript's Number-to-string gives ("1e+21", "1e-7", "0.000001",
 * "5e-324"), so String(x) is used. The two differ only in that Go keeps the sign of negative zero
 * ("-0", JS prints "0") and fails on NaN/±Inf (JSON.stringify would print null).
 */
export function formatGoJsonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new JsonUnsupportedValueError(x);
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

const hexDigits = '0123456789abcdef';

/**
 * A string as Go's encoding/json writes it with its default HTML escaping: `<`, `>`, `&` become
 * \u003c \u003e \u0026, U+2028/U+2029 become \u2028 \u2029, control characters other than \n \r \t
 * use \u00XX (Go before 1.22, which built Linkerd 2.11, wrote \b and \f that way too), and text
 * that is not valid UTF-8 (here: lone surrogates) becomes \ufffd. DEL and other non-ASCII pass through.
 */
export function formatGoJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    switch (unit) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x3c:
      case 0x3e:
      case 0x26:
      case 0x2028:
      case 0x2029:
        out += `\\u${unit.toString(16).padStart(4, '0')}`;
        continue;
    }
    if (unit < 0x20) {
      out += `\\u00${hexDigits.charAt(unit >> 4)}${hexDigits.charAt(unit & 0xf)}`;
      continue;
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else {
        out += '\\ufffd';
      }
      continue;
    }
    out += s.charAt(i);
  }
  return `${out}"`;
}
