// Properties of Kubernetes quantities (src/splits/quantity.ts), the type of a TrafficSplit weight.
// Values are checked against a model that counts in nanos: after parsing, every quantity is a
// whole number of 1n (apimachinery rounds anything finer away from zero), so a BigInt of nanos is
// an exact, independent way to say what value a text stands for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareQuantities, formatQuantity, parseQuantity, QuantityError, quantityString, quantityToNumber } from '../../src/splits/index.js';
import type { Quantity, QuantityFormat } from '../../src/splits/index.js';

type QuantityAdjustment = NonNullable<Quantity['adjusted']>;

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

const NANOS_PER_UNIT = 10n ** 9n;
const INT64_MAX = 2n ** 63n - 1n;

/** A parsed quantity's exact value in nanos; parsing never leaves an exponent below -9. */
function nanosOf(q: Quantity): bigint {
  assert.ok(q.exponent >= -9, `exponent ${q.exponent} below nano`);
  return q.mantissa * 10n ** BigInt(q.exponent + 9);
}

function sign(n: bigint): -1 | 0 | 1 {
  return n < 0n ? -1 : n > 0n ? 1 : 0;
}

// --- what a written quantity means ----------------------------------------------------------

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

interface Written {
  readonly text: string;
  readonly negative: boolean;
  /** Integer and fraction digits together, and how many of them are the fraction. */
  readonly digits: bigint;
  readonly fractionDigits: number;
  readonly suffix: { readonly kind: 'decimal' | 'binary' | 'exponent'; readonly power: number };
}

interface Meaning {
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  readonly adjusted: QuantityAdjustment | undefined;
}

/** What apimachinery makes of a written quantity: exact value, rounded up to 1n, BinarySI capped. */
function meaning(w: Written): Meaning {
  const signed = w.negative ? -w.digits : w.digits;
  // value = signed × base^power × 10^-fractionDigits, kept as numerator / 10^denominatorPower.
  let numerator = w.suffix.kind === 'binary' ? signed * 2n ** BigInt(w.suffix.power) : signed;
  let tenths = w.fractionDigits - (w.suffix.kind === 'binary' ? 0 : w.suffix.power);
  if (tenths < 0) {
    numerator *= 10n ** BigInt(-tenths);
    tenths = 0;
  }
  // In nanos: numerator × 10^9 / 10^tenths, rounded away from zero.
  const scaled = numerator * NANOS_PER_UNIT;
  const divisor = 10n ** BigInt(tenths);
  let nanos = scaled / divisor;
  const rounded = scaled % divisor !== 0n;
  if (rounded) nanos += scaled < 0n ? -1n : 1n;
  let adjusted: QuantityAdjustment | undefined = rounded ? 'rounded-to-nano' : undefined;
  let format: QuantityFormat = w.suffix.kind === 'binary' ? 'BinarySI' : w.suffix.kind === 'exponent' ? 'DecimalExponent' : 'DecimalSI';
  if (w.suffix.kind === 'binary') {
    const cap = INT64_MAX * NANOS_PER_UNIT;
    if (nanos > cap || nanos < -cap) {
      nanos = nanos > 0n ? cap : -cap;
      adjusted = 'capped-at-int64';
    }
    if (nanos !== 0n && nanos < NANOS_PER_UNIT && nanos > -NANOS_PER_UNIT) format = 'DecimalSI';
  }
  if (w.text === '0') format = 'DecimalSI';
  return { nanos, format, adjusted };
}

const writtenSuffix = fc.oneof(
  fc.constantFrom(...Object.keys(DECIMAL_SUFFIXES)).map((text) => ({ text, suffix: { kind: 'decimal' as const, power: DECIMAL_SUFFIXES[text] ?? 0 } })),
  fc.constantFrom(...Object.keys(BINARY_SUFFIXES)).map((text) => ({ text, suffix: { kind: 'binary' as const, power: BINARY_SUFFIXES[text] ?? 0 } })),
  fc
    .tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 40 }), fc.constantFrom('', '0', '00'))
    .map(([e, s, power, zeros]) => ({ text: `${e}${s}${zeros}${power}`, suffix: { kind: 'exponent' as const, power: s === '-' ? -power : power } })),
);

/** Every spelling apimachinery's grammar takes: signs, leading zeros, `1.`, `.5`, bare suffixes. */
const written: fc.Arbitrary<Written> = fc
  .record({
    sign: fc.constantFrom('', '+', '-'),
    whole: fc.oneof(fc.stringMatching(/^[0-9]{0,6}$/), fc.stringMatching(/^[0-9]{0,22}$/)),
    fraction: fc.option(fc.oneof(fc.stringMatching(/^[0-9]{0,4}$/), fc.stringMatching(/^[0-9]{0,14}$/))),
    suffix: writtenSuffix,
  })
  .map(({ sign: s, whole, fraction, suffix }): Written => {
    const text = `${s}${whole}${fraction === null ? '' : `.${fraction}`}${suffix.text}`;
    return { text, negative: s === '-', digits: BigInt(`0${whole}${fraction ?? ''}`), fractionDigits: fraction?.length ?? 0, suffix: suffix.suffix };
  })
  // The empty text is the one spelling the grammar refuses outright.
  .filter((w) => w.text !== '');

/** Raw quantities as code may build them: any mantissa, any exponent, trailing zeros allowed. */
const rawQuantity: fc.Arbitrary<Quantity> = fc.record({
  mantissa: fc.oneof(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.constantFrom(0n, 1n, -1n, 10n, 1000n, -1000n)),
  exponent: fc.integer({ min: -40, max: 40 }),
  format: fc.constantFrom<QuantityFormat>('DecimalSI', 'BinarySI', 'DecimalExponent'),
});

/**
 * Whether text can carry the raw quantity's value exactly: parsing rounds anything finer than 1n,
 * and caps BinarySI values at 2^63-1.
 */
function textCanHold(q: Quantity): boolean {
  if (q.mantissa !== 0n && q.exponent < -9 && q.mantissa % 10n ** BigInt(-9 - q.exponent) !== 0n) return false;
  return q.format !== 'BinarySI' || compareExactly({ mantissa: q.mantissa < 0n ? -q.mantissa : q.mantissa, exponent: q.exponent }, { mantissa: INT64_MAX, exponent: 0 }) <= 0;
}

/** Exact rational comparison of raw quantities, by scaling to a common exponent. */
function compareExactly(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const low = Math.min(a.exponent, b.exponent);
  return sign(a.mantissa * 10n ** BigInt(a.exponent - low) - b.mantissa * 10n ** BigInt(b.exponent - low));
}

/** Quantities as they reach formatting: parsed from any spelling, or from a JSON number. */
const parsed: fc.Arbitrary<Quantity> = fc.oneof(
  written.map((w) => parseQuantity(w.text)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e25, max: 1e25 }).map((d) => parseQuantity(d)),
);

// --- properties -------------------------------------------------------------------------------

describe('parseQuantity', () => {
  it('throws nothing but QuantityError, whatever the text or number', () => {
    const quantityish = fc.string({ unit: fc.constantFrom(...'0123456789.+-eEinumkKMGTP '.split(''), 'Ki', 'Ei', 'e2147483647', 'e-2147483649', 'e9223372036854775808'), maxLength: 12 });
    fc.assert(
      fc.property(fc.oneof(quantityish, fc.string({ unit: 'binary', maxLength: 16 }), fc.double(), fc.constantFrom(Infinity, -Infinity, Number.NaN, -0, Number.MIN_VALUE, Number.MAX_VALUE)), (input) => {
        let q: Quantity;
        try {
          q = parseQuantity(input);
        } catch (error) {
          assert.ok(error instanceof QuantityError, `threw ${String(error)}`);
          return;
        }
        assert.equal(typeof q.mantissa, 'bigint');
        assert.ok(Number.isSafeInteger(q.exponent) && q.exponent >= -9, `exponent ${q.exponent}`);
        assert.ok(q.mantissa === 0n || q.mantissa % 10n !== 0n, 'the mantissa has no trailing zeros');
        assert.equal(typeof formatQuantity(q), 'string');
        assert.equal(typeof quantityString(q), 'string');
        assert.equal(typeof quantityToNumber(q), 'number');
      }),
      { numRuns: 600 },
    );
  });

  it("gives every written quantity apimachinery's value: exact, rounded away from zero to 1n, BinarySI capped at 2^63-1", () => {
    fc.assert(
      fc.property(written, (w) => {
        const q = parseQuantity(w.text);
        const expected = meaning(w);
        assert.equal(nanosOf(q), expected.nanos, `${w.text}: value`);
        assert.equal(q.format, expected.format, `${w.text}: format`);
        assert.equal(q.adjusted, expected.adjusted, `${w.text}: adjusted`);
      }),
      { numRuns: 600 },
    );
  });

  it('reads a JSON number as the decimal it prints as, and keeps its value when no rounding was needed', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const fromNumber = parseQuantity(d);
        assert.equal(compareQuantities(fromNumber, parseQuantity(String(d))), 0);
        if (fromNumber.adjusted === undefined) assert.equal(quantityToNumber(fromNumber), d === 0 ? 0 : d, `${d}`);
        else assert.ok(Math.abs(quantityToNumber(fromNumber) - d) <= 1e-9, `${d} rounded to ${quantityToNumber(fromNumber)}`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatQuantity and quantityString', () => {
  it('round-trip the value through text', () => {
    fc.assert(
      fc.property(parsed, (q) => {
        assert.equal(nanosOf(parseQuantity(formatQuantity(q))), nanosOf(q), formatQuantity(q));
        assert.equal(nanosOf(parseQuantity(quantityString(q))), nanosOf(q), quantityString(q));
      }),
      { numRuns: 600 },
    );
  });

  it('write a canonical form that is its own canonical form, with no three trailing zeros', () => {
    fc.assert(
      fc.property(fc.oneof(parsed, rawQuantity.filter(textCanHold)), (q) => {
        const text = formatQuantity(q);
        const again = formatQuantity(parseQuantity(text));
        // A BinarySI value that is no whole number of Ki is written as a plain number, which reads
        // back as DecimalSI (as in apimachinery): canonical from the second writing on.
        if (q.format === 'BinarySI') assert.equal(formatQuantity(parseQuantity(again)), again, `${again} is canonical`);
        else assert.equal(again, text, `${text} is canonical`);
        const match = /^(-?\d+)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e-?\d+)?$/.exec(text);
        assert.ok(match !== null, `${text} has the canonical grammar`);
        const mantissa = match[1] ?? '';
        assert.ok(!/^-?0\d/.test(mantissa), `${text}: no leading zeros`);
        if (q.format !== 'BinarySI') assert.ok(mantissa === '0' || !/000$/.test(mantissa), `${text}: the exponent takes trailing zeros in threes`);
        // Decimal exponents are multiples of three, written with an SI suffix whenever one exists.
        const suffix = match[2] ?? '';
        const power = suffix.startsWith('e') ? Number(suffix.slice(1)) : (DECIMAL_SUFFIXES[suffix] ?? 0);
        assert.ok(power % 3 === 0, `${text}: exponent ${power}`);
        if (q.format === 'DecimalSI' && suffix.startsWith('e')) assert.ok(power > 18, `${text}: an SI suffix exists for 10^${power}`);
      }),
      { numRuns: 600 },
    );
  });

  it('write the exact value of any raw quantity', () => {
    fc.assert(
      fc.property(rawQuantity.filter(textCanHold), (q) => {
        assert.equal(compareExactly(parseQuantity(formatQuantity(q)), q), 0, formatQuantity(q));
      }),
      { numRuns: 500 },
    );
  });
});

describe('compareQuantities', () => {
  it('orders parsed quantities by their exact value', () => {
    fc.assert(
      fc.property(parsed, parsed, (a, b) => {
        assert.equal(compareQuantities(a, b), sign(nanosOf(a) - nanosOf(b)));
      }),
      { numRuns: 500 },
    );
  });

  it('orders raw quantities by their exact value, whatever their representation', () => {
    fc.assert(
      fc.property(rawQuantity, rawQuantity, (a, b) => {
        assert.equal(compareQuantities(a, b), compareExactly(a, b));
        assert.equal(compareQuantities(a, a), 0);
      }),
      { numRuns: 500 },
    );
  });

  it('is a total order even with exponents far beyond what arithmetic would hold', () => {
    const extreme: fc.Arbitrary<Quantity> = fc.record({
      mantissa: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
      exponent: fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -3, max: 3 })),
    });
    fc.assert(
      fc.property(extreme, extreme, extreme, (a, b, c) => {
        const ab = compareQuantities(a, b);
        assert.equal(compareQuantities(b, a), -ab || 0, 'antisymmetric');
        if (ab <= 0 && compareQuantities(b, c) <= 0) assert.ok(compareQuantities(a, c) <= 0, 'transitive');
        // Consistent with the nearest doubles wherever those are finite and distinct.
        const [x, y] = [quantityToNumber(a), quantityToNumber(b)];
        if (ab < 0) assert.ok(x <= y, `${x} ≤ ${y}`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('quantityToNumber', () => {
  it('is the double nearest the exact value', () => {
    fc.assert(
      fc.property(rawQuantity, (q) => {
        const x = quantityToNumber(q);
        // Nearest: no double between x and the exact value is closer; check x's neighbours.
        if (!Number.isFinite(x) || x === 0) return;
        const exactVsX = compareExactly(q, decimalQuantity(x));
        if (exactVsX === 0) return;
        const neighbour = exactVsX > 0 ? nextUp(x) : nextDown(x);
        const [low, high] = exactVsX > 0 ? [x, neighbour] : [neighbour, x];
        // The exact value lies between x and its neighbour, and no nearer the neighbour.
        assert.ok(compareExactly(q, decimalQuantity(high)) <= 0 && compareExactly(q, decimalQuantity(low)) >= 0, 'between neighbours');
        const twice = (value: Quantity): Quantity => ({ mantissa: value.mantissa * 2n, exponent: value.exponent });
        const midpoint = addExactly(decimalQuantity(x), decimalQuantity(neighbour));
        assert.ok(exactVsX > 0 ? compareExactly(twice(q), midpoint) <= 0 : compareExactly(twice(q), midpoint) >= 0, `${x} is nearest`);
      }),
      { numRuns: 500 },
    );
  });
});

/** The exact decimal value of a double, as a quantity. */
function decimalQuantity(x: number): Quantity {
  // Every double is a dyadic rational m × 2^e; as a decimal that is (m × 5^-e) × 10^e for e < 0.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  const signed = negative ? -m : m;
  return e >= 0 ? { mantissa: signed * 2n ** BigInt(e), exponent: 0 } : { mantissa: signed * 5n ** BigInt(-e), exponent: e };
}

function addExactly(a: Quantity, b: Quantity): Quantity {
  const low = Math.min(a.exponent, b.exponent);
  return { mantissa: a.mantissa * 10n ** BigInt(a.exponent - low) + b.mantissa * 10n ** BigInt(b.exponent - low), exponent: low };
}

function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, x >= 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

function nextDown(x: number): number {
  return -nextUp(-x);
}
