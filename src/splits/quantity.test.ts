import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  QuantityError,
  compareQuantities,
  formatQuantity,
  parseQuantity,
  quantityString,
  quantityToNumber,
} from './quantity.js';

/** parse → canonical text. */
function canonical(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

describe('parseQuantity + formatQuantity', () => {
  it('gives the WEIGHT column of the stat ts spec', () => {
    const vectors: [string | number, string][] = [
      ['900m', '900m'],
      ['100m', '100m'],
      ['0m', '0'],
      ['1', '1'],
      ['500', '500'],
      ['1000', '1k'],
      ['1500', '1500'],
      ['1500000', '1500k'],
      ['0.5', '500m'],
      ['1.5', '1500m'],
      ['1000m', '1'],
      ['1500000m', '1500'],
      ['0.0001', '100u'],
      [0.9, '900m'],
      [500, '500'],
    ];
    for (const [input, expected] of vectors) assert.equal(canonical(input), expected, `${JSON.stringify(input)}`);
  });

  it('keeps exact values (no floating point anywhere)', () => {
    assert.deepEqual(parseQuantity('900m'), { mantissa: 9n, exponent: -1, format: 'DecimalSI', text: '900m' });
    assert.deepEqual(parseQuantity('1500000'), { mantissa: 15n, exponent: 5, format: 'DecimalSI' });
    assert.equal(canonical('123456789012345678901234567890'), '123456789012345678901234567890');
    assert.equal(canonical('0.1'), '100m');
    // 0.30000000000000004 has digits below nano, which round up, as they would in a cluster.
    assert.equal(canonical(0.1 + 0.2), '300000001n');
  });

  it('reads every decimal suffix and canonicalises to the largest exact one', () => {
    assert.equal(canonical('5n'), '5n');
    assert.equal(canonical('4u'), '4u');
    assert.equal(canonical('3m'), '3m');
    assert.equal(canonical('8k'), '8k');
    assert.equal(canonical('50k'), '50k');
    assert.equal(canonical('7M'), '7M');
    assert.equal(canonical('6G'), '6G');
    assert.equal(canonical('5T'), '5T');
    assert.equal(canonical('2P'), '2P');
    assert.equal(canonical('1E'), '1E');
    assert.equal(canonical('1000M'), '1G');
    assert.equal(canonical('1080m'), '1080m');
    assert.equal(canonical('1.08'), '1080m');
    assert.equal(canonical('100.035k'), '100035');
    assert.equal(canonical('8.1k'), '8100');
    assert.equal(canonical('2.5P'), '2500T');
  });

  it('keeps the exponent form for exponent input', () => {
    assert.equal(canonical('1e3'), '1e3');
    assert.equal(canonical('1E6'), '1e6');
    assert.equal(canonical('1E-3'), '1e-3');
    assert.equal(canonical('1.2e3'), '1200');
    assert.equal(canonical('1.3E+6'), '1300e3');
    assert.equal(canonical('0.5e0'), '500e-3');
    assert.equal(canonical('80e-3'), '80e-3');
  });

  it('keeps binary suffixes in BinarySI form', () => {
    assert.equal(canonical('1Ki'), '1Ki');
    assert.equal(canonical('1024Mi'), '1Gi');
    assert.equal(canonical('1.5Gi'), '1536Mi');
    assert.equal(canonical('0.5Mi'), '512Ki');
    assert.equal(canonical('5Ti'), '5Ti');
    assert.equal(canonical('3Ei'), '3Ei');
    assert.equal(parseQuantity('1Ki').format, 'BinarySI');
    assert.equal(quantityToNumber(parseQuantity('7Mi')), 7 * 1024 * 1024);
  });

  it('shows small or fractional binary values in decimal, as apimachinery does', () => {
    assert.equal(canonical('.001Ki'), '1024m');
    assert.equal(canonical('.000001Ki'), '1024u');
    assert.equal(canonical('100.035Ki'), '102435840m');
    assert.equal(formatQuantity({ mantissa: 5n, exponent: 0, format: 'BinarySI' }), '5');
    assert.equal(formatQuantity({ mantissa: 1025n, exponent: 0, format: 'BinarySI' }), '1025');
  });

  it('rounds anything finer than nano away from zero', () => {
    assert.equal(canonical('0.9n'), '1n');
    assert.equal(canonical('3.001n'), '4n');
    assert.equal(canonical('0.0000000001'), '1n');
    assert.equal(canonical('0.00000012345'), '124n');
    assert.equal(canonical('-0.9n'), '-1n');
    assert.equal(canonical('1.1E-9'), '2e-9');
    assert.equal(canonical('.000000000001Ki'), '2n');
    assert.equal(parseQuantity('.000000000001Ki').format, 'DecimalSI');
    assert.equal(canonical('1e-2000000000'), '1e-9');
  });

  it('caps binary values at 2^63-1 but never decimal ones', () => {
    assert.equal(canonical('9Ei'), '9223372036854775807');
    assert.equal(canonical('9223372036854775807Ki'), '9223372036854775807');
    assert.equal(canonical('-9Ei'), '-9223372036854775807');
    assert.equal(canonical('12E'), '12E');
    assert.equal(canonical('18446744073709551616'), '18446744073709551616');
  });

  it('falls back to the exponent form beyond the E suffix instead of losing the magnitude', () => {
    assert.equal(canonical('1000E'), '1e21');
    assert.equal(canonical('100E'), '100E');
    assert.equal(formatQuantity({ mantissa: 1n, exponent: -12 }), '1e-12');
  });

  it('reads signs and the permissive number forms apimachinery accepts', () => {
    assert.equal(canonical('-1.5'), '-1500m');
    assert.equal(canonical('+1.5'), '1500m');
    assert.equal(canonical('-1Ki'), '-1Ki');
    assert.equal(canonical('.5'), '500m');
    assert.equal(canonical('1.'), '1');
    assert.equal(canonical('1.G'), '1G');
    assert.equal(canonical('007'), '7');
    assert.equal(canonical('.'), '0');
    assert.equal(canonical('-'), '0');
    assert.equal(canonical('-0'), '0');
    assert.equal(canonical('0Ki'), '0');
  });

  it('reads JS numbers through their shortest decimal text, like a JSON number', () => {
    assert.equal(canonical(1e21), '1e21');
    assert.equal(canonical(5e-7), '500e-9');
    assert.equal(canonical(-0.5), '-500m');
    assert.equal(canonical(0), '0');
    assert.equal(canonical(1.125), '1125m');
  });

  it('rejects what apimachinery rejects, with its messages', () => {
    const invalid = ['', ' 1', '1 ', '1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', '1K', '1e', '1 k', 'ten', '5%'];
    for (const input of invalid) assert.throws(() => parseQuantity(input), QuantityError, JSON.stringify(input));
    assert.throws(() => parseQuantity('1x'), /invalid quantity "1x": quantities must match the regular expression/);
    assert.throws(() => parseQuantity('1K'), /invalid quantity "1K": unable to parse quantity's suffix/);
    assert.throws(() => parseQuantity(Number.NaN), /not a finite number/);
    assert.throws(() => parseQuantity(Number.POSITIVE_INFINITY), QuantityError);
  });

  it('refuses exponents Go would silently wrap', () => {
    assert.throws(() => parseQuantity('1e4294967296'), /out of range/);
    assert.throws(() => parseQuantity('1e99999999999999999999'), QuantityError);
  });
});

describe('quantityString (Go Quantity.String())', () => {
  it('is the canonical form for canonical-looking input', () => {
    assert.equal(quantityString(parseQuantity('900m')), '900m');
    assert.equal(quantityString(parseQuantity('1000')), '1k');
    assert.equal(quantityString(parseQuantity('0.5')), '500m');
    assert.equal(quantityString(parseQuantity('1024Ki')), '1Mi');
  });

  it('keeps the input verbatim where apimachinery caches it', () => {
    // The fast path caches the input when the scale is a multiple of 3, the digits do not end in
    // 000 and do not start with 0 — which lets these non-canonical spellings through.
    assert.equal(quantityString(parseQuantity('1.500')), '1.500');
    assert.equal(quantityString(parseQuantity('+1')), '+1');
    assert.equal(quantityString(parseQuantity('007')), '007');
    assert.equal(quantityString(parseQuantity('1E3')), '1E3');
    assert.equal(quantityString(parseQuantity('7.123456M')), '7.123456M');
    assert.equal(quantityString(parseQuantity('1025Ki')), '1025Ki');
    assert.equal(quantityString(parseQuantity(1.125)), '1.125');
    assert.equal(quantityString(parseQuantity(1e21)), '1e+21');
    // …and not these.
    assert.equal(quantityString(parseQuantity('1.5')), '1500m');
    assert.equal(quantityString(parseQuantity('1.000')), '1');
    assert.equal(quantityString(parseQuantity('8Ki')), '8Ki');
    assert.equal(parseQuantity('1.5').text, undefined);
  });
});

describe('quantityToNumber / compareQuantities', () => {
  it('converts to the nearest double', () => {
    assert.equal(quantityToNumber(parseQuantity('900m')), 0.9);
    assert.equal(quantityToNumber(parseQuantity('100m')), 0.1);
    assert.equal(quantityToNumber(parseQuantity('1k')), 1000);
    assert.equal(quantityToNumber(parseQuantity('-2.5')), -2.5);
    assert.equal(quantityToNumber(parseQuantity('1e400')), Number.POSITIVE_INFINITY);
  });

  it('compares exactly', () => {
    assert.equal(compareQuantities(parseQuantity('1'), parseQuantity('1000m')), 0);
    assert.equal(compareQuantities(parseQuantity('100m'), parseQuantity('50m')), 1);
    assert.equal(compareQuantities(parseQuantity('10000T'), parseQuantity('100Gi')), 1);
    assert.equal(compareQuantities(parseQuantity('-1'), parseQuantity('1n')), -1);
    assert.equal(compareQuantities(parseQuantity('-2'), parseQuantity('-1')), -1);
    assert.equal(compareQuantities(parseQuantity('1e2000000000'), parseQuantity('1')), 1);
  });
});
