import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  JsonUnsupportedValueError,
  formatGoFixed,
  formatGoInt,
  formatGoJsonFloat,
  formatGoJsonString,
  roundHalfAwayFromZero,
} from './format.js';

const fixtures = new URL('../../test/fixtures/cli/', import.meta.url);

// Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomDouble(next: () => number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, Math.floor(next() * 2 ** 32));
  view.setUint32(4, Math.floor(next() * 2 ** 32));
  return view.getFloat64(0);
}

/**
 * Independent exact reference: reads the double's exact value from its radix-2 text (which is
 * exact, a double being a finite binary fraction) as numerator / 2^k, then rounds x·10^d half-even.
 * Returns the text and whether the value was an exact tie.
 */
function referenceFixed(x: number, digits: number): { text: string; tie: boolean } {
  const negative = x < 0 || Object.is(x, -0);
  const [intPart = '', fracPart = ''] = Math.abs(x).toString(2).split('.');
  const numerator = BigInt(`0b${intPart}${fracPart}`);
  const denominator = 1n << BigInt(fracPart.length);
  const scaledNumerator = numerator * 10n ** BigInt(digits);
  let q = scaledNumerator / denominator;
  const twice = (scaledNumerator % denominator) * 2n;
  const tie = twice === denominator;
  if (twice > denominator || (tie && q % 2n === 1n)) q += 1n;
  let text = q.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return { text: negative ? `-${text}` : text, tie };
}

describe('formatGoFixed', () => {
  it('rounds exact binary ties to even, as Go does and toFixed does not', () => {
    assert.equal(formatGoFixed(0.25, 1), '0.2');
    assert.equal(formatGoFixed(1.25, 1), '1.2');
    assert.equal(formatGoFixed(2.25, 1), '2.2');
    assert.equal(formatGoFixed(0.125, 2), '0.12');
    assert.equal(formatGoFixed(0.375, 2), '0.38');
    assert.equal(formatGoFixed(0.75, 1), '0.8');
    assert.equal(formatGoFixed(0.5, 0), '0');
    assert.equal(formatGoFixed(1.5, 0), '2');
    assert.equal(formatGoFixed(2.5, 0), '2');
    assert.equal(formatGoFixed(-2.5, 0), '-2');
    // The JavaScript built-in rounds these ties up: that is the bug this module exists for.
    assert.equal((0.25).toFixed(1), '0.3');
    assert.equal((2.5).toFixed(0), '3');
  });

  it('rounds the exact binary value when the decimal literal only looks like a tie', () => {
    assert.equal(formatGoFixed(2.05, 1), '2.0'); // 2.04999999999999982236…
    assert.equal(formatGoFixed(123 / 60, 1), '2.0'); // Linkerd's golden: 123 requests in 1m
    assert.equal(formatGoFixed(0.35, 1), '0.3'); // 0.34999999999999997779…
    assert.equal(formatGoFixed(1.005, 2), '1.00'); // 1.00499999999999989341…
    assert.equal(formatGoFixed(99.995, 2), '100.00'); // 99.99500000000000454747…
    assert.equal(formatGoFixed(0.15, 1), '0.1'); // 9 requests in 1m
    assert.equal(formatGoFixed(0.45, 1), '0.5'); // 0.45000000000000001110…
  });

  it('prints large, tiny and long values exactly, never in exponent form', () => {
    assert.equal(formatGoFixed(1e21, 1), '1000000000000000000000.0');
    assert.equal(formatGoFixed(1e22, 0), '10000000000000000000000');
    assert.equal(formatGoFixed(2 ** 53 + 2, 2), '9007199254740994.00');
    assert.equal(formatGoFixed(5e-324, 2), '0.00');
    assert.equal(formatGoFixed(-5e-324, 2), '-0.00');
    const exact = formatGoFixed(5e-324, 1074);
    assert.equal(exact.length, 1076);
    // 2^-1074 = 5^1074 / 10^1074: all 1074 decimals are significant.
    assert.equal(exact, `0.${(5n ** 1074n).toString().padStart(1074, '0')}`);
    assert.equal(formatGoFixed(0.1, 30), '0.100000000000000005551115123126');
    assert.equal(formatGoFixed(123.456, 0), '123');
  });

  it('prints signs and non-finite values as Go does', () => {
    assert.equal(formatGoFixed(-0, 1), '-0.0');
    assert.equal(formatGoFixed(0, 2), '0.00');
    assert.equal(formatGoFixed(-0.001, 2), '-0.00');
    assert.equal(formatGoFixed(-1.25, 1), '-1.2');
    assert.equal(formatGoFixed(Number.NaN, 2), 'NaN');
    assert.equal(formatGoFixed(Infinity, 1), '+Inf');
    assert.equal(formatGoFixed(-Infinity, 1), '-Inf');
  });

  it('rejects a precision that is not a non-negative integer', () => {
    assert.throws(() => formatGoFixed(1, -1), RangeError);
    assert.throws(() => formatGoFixed(1, 1.5), RangeError);
  });

  it('matches the recorded Go results for random, realistic, tie and extreme values', () => {
    const lines = readFileSync(new URL('go-fixed-vectors.txt', fixtures), 'utf8').split('\n');
    let checked = 0;
    for (const line of lines) {
      if (line === '' || line.startsWith('#')) continue;
      const [value = '', digits = '', expected = ''] = line.split('\t');
      assert.equal(formatGoFixed(Number(value), Number(digits)), expected, `%.${digits}f of ${value}`);
      checked++;
    }
    assert.ok(checked > 500, `only ${checked} vectors`);
  });

  it('agrees with an independent exact reference on random doubles of every magnitude', () => {
    const next = prng(2_11);
    for (let i = 0; i < 5000; i++) {
      const x = randomDouble(next);
      if (!Number.isFinite(x)) continue;
      const digits = Math.floor(next() * 25);
      const reference = referenceFixed(x, digits);
      assert.equal(formatGoFixed(x, digits), reference.text, `%.${digits}f of ${x}`);
      // Off ties, the exact JavaScript built-in (defined below 1e21) must agree too.
      if (!reference.tie && Math.abs(x) < 1e21 && x !== 0) assert.equal(formatGoFixed(x, digits), x.toFixed(digits), `${x}`);
    }
  });

  it('agrees with the reference on rates and percentages like the table prints', () => {
    const next = prng(60);
    for (let i = 0; i < 20000; i++) {
      const total = Math.floor(next() * 100_000) + 1;
      const success = Math.floor(next() * (total + 1));
      const window = [15, 30, 60, 90, 600, 3600][Math.floor(next() * 6)] ?? 60;
      for (const [x, digits] of [
        [(success / total) * 100, 2],
        [total / window, 1],
      ] as const) {
        assert.equal(formatGoFixed(x, digits), referenceFixed(x, digits).text, `%.${digits}f of ${x}`);
      }
    }
  });

  it('rounds every exact tie to the even neighbour', () => {
    const next = prng(5);
    for (let i = 0; i < 5000; i++) {
      const digits = Math.floor(next() * 12);
      const odd = 2 * Math.floor(next() * 2 ** 40) + 1;
      const x = odd / 2 ** (digits + 1); // odd/2^(d+1) · 10^d ends in exactly .5
      const reference = referenceFixed(x, digits);
      assert.ok(reference.tie);
      const text = formatGoFixed(x, digits);
      assert.equal(text, reference.text, `%.${digits}f of ${x}`);
      assert.match(text, /[02468]$/);
    }
  });
});

describe('roundHalfAwayFromZero', () => {
  it('rounds halves away from zero like Go math.Round', () => {
    assert.equal(roundHalfAwayFromZero(0.5), 1);
    assert.equal(roundHalfAwayFromZero(1.5), 2);
    assert.equal(roundHalfAwayFromZero(2.5), 3);
    assert.equal(roundHalfAwayFromZero(-0.5), -1);
    assert.equal(roundHalfAwayFromZero(-2.5), -3);
    assert.equal(Math.round(-2.5), -2); // why Math.round is not used
    assert.equal(roundHalfAwayFromZero(2529.5), 2530);
    assert.equal(roundHalfAwayFromZero(2.4999999999999996), 2);
    assert.equal(roundHalfAwayFromZero(0.49999999999999994), 0);
    assert.equal(roundHalfAwayFromZero(4503599627370497), 4503599627370497);
    assert.equal(roundHalfAwayFromZero(1e300), 1e300);
    assert.ok(Object.is(roundHalfAwayFromZero(-0.4), -0));
    assert.ok(Number.isNaN(roundHalfAwayFromZero(Number.NaN)));
    assert.equal(roundHalfAwayFromZero(Infinity), Infinity);
  });
});

describe('formatGoInt', () => {
  it('prints integers in full', () => {
    assert.equal(formatGoInt(123), '123');
    assert.equal(formatGoInt(-0), '0');
    assert.equal(formatGoInt(1e21), '1000000000000000000000');
    assert.throws(() => formatGoInt(Number.NaN), RangeError);
  });
});

describe('formatGoJsonFloat', () => {
  it('prints what Go encoding/json prints', () => {
    assert.equal(formatGoJsonFloat(1), '1');
    assert.equal(formatGoJsonFloat(2.05), '2.05');
    assert.equal(formatGoJsonFloat(1 / 6), '0.16666666666666666');
    assert.equal(formatGoJsonFloat(0.000001), '0.000001');
    assert.equal(formatGoJsonFloat(1e-7), '1e-7');
    assert.equal(formatGoJsonFloat(1.5e-7), '1.5e-7');
    assert.equal(formatGoJsonFloat(1e-100), '1e-100');
    assert.equal(formatGoJsonFloat(5e-324), '5e-324');
    assert.equal(formatGoJsonFloat(999999999999999900000), '999999999999999900000');
    assert.equal(formatGoJsonFloat(1e21), '1e+21');
    assert.equal(formatGoJsonFloat(1.2345e22), '1.2345e+22');
    assert.equal(formatGoJsonFloat(-0), '-0');
    assert.equal(JSON.stringify(-0), '0'); // the one difference from the JavaScript encoder
  });

  it('refuses NaN and infinities with Go’s message', () => {
    assert.throws(() => formatGoJsonFloat(Number.NaN), new JsonUnsupportedValueError(Number.NaN));
    assert.throws(() => formatGoJsonFloat(Number.NaN), /^JsonUnsupportedValueError: json: unsupported value: NaN$/);
    assert.throws(() => formatGoJsonFloat(Infinity), /json: unsupported value: \+Inf/);
    assert.throws(() => formatGoJsonFloat(-Infinity), /json: unsupported value: -Inf/);
  });
});

describe('formatGoJsonString', () => {
  it('escapes like Go encoding/json with HTML escaping', () => {
    assert.equal(formatGoJsonString('apex_name'), '"apex_name"');
    assert.equal(formatGoJsonString('<a>&b'), '"\\u003ca\\u003e\\u0026b"');
    assert.equal(formatGoJsonString('q"b\\'), '"q\\"b\\\\"');
    assert.equal(formatGoJsonString('\n\r\t'), '"\\n\\r\\t"');
    assert.equal(formatGoJsonString('\b\f\u0000\u001f'), '"\\u0008\\u000c\\u0000\\u001f"');
    assert.equal(formatGoJsonString('\u2028\u2029'), '"\\u2028\\u2029"');
    assert.equal(formatGoJsonString('\u007fé→😀'), '"\u007fé→😀"');
    assert.equal(formatGoJsonString('a\ud800b\udc00'), '"a\\ufffdb\\ufffd"');
  });
});
