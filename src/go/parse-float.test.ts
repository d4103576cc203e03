import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoFloat, parseGoInt64 } from './parse-float.js';

describe('parseGoFloat', () => {
  it('reads decimal forms', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['1', 1],
      ['+1', 1],
      ['-1', -1],
      ['1.5', 1.5],
      ['.5', 0.5],
      ['5.', 5],
      ['+.5', 0.5],
      ['00012', 12],
      ['1e5', 1e5],
      ['1E+05', 1e5],
      ['1.458255915e9', 1458255915],
      ['2.5e-3', 0.0025],
      ['1.e2', 100],
      ['123456789012345678901234567890', 1.2345678901234568e29],
      ['0.1', 0.1],
      ['1e-400', 0],
    ];
    for (const [text, expected] of cases) assert.equal(parseGoFloat(text), expected, text);
    assert.ok(Object.is(parseGoFloat('-0'), -0));
  });

  it('reads the special values in any case, signed only for infinities', () => {
    assert.ok(Number.isNaN(parseGoFloat('NaN')));
    assert.ok(Number.isNaN(parseGoFloat('nan')));
    assert.ok(Number.isNaN(parseGoFloat('NAN')));
    assert.equal(parseGoFloat('Inf'), Infinity);
    assert.equal(parseGoFloat('+Inf'), Infinity);
    assert.equal(parseGoFloat('-Inf'), -Infinity);
    assert.equal(parseGoFloat('inf'), Infinity);
    assert.equal(parseGoFloat('Infinity'), Infinity);
    assert.equal(parseGoFloat('-INFINITY'), -Infinity);
    for (const text of ['+NaN', '-nan', 'infin', 'infinit', 'Infinityy', 'nana', 'in']) {
      assert.equal(parseGoFloat(text), undefined, text);
    }
  });

  it('reads underscores only between digits', () => {
    assert.equal(parseGoFloat('1_000'), 1000);
    assert.equal(parseGoFloat('-1_000.000_5'), -1000.0005);
    assert.equal(parseGoFloat('1e1_0'), 1e10);
    for (const text of ['_1', '1_', '1__0', '1_.5', '1._5', '1_e5', '1e_5']) {
      assert.equal(parseGoFloat(text), undefined, text);
    }
  });

  it('reads hexadecimal floats, which need a binary exponent', () => {
    assert.equal(parseGoFloat('0x1p-2'), 0.25);
    assert.equal(parseGoFloat('0x1.8p1'), 3);
    assert.equal(parseGoFloat('0X1P+2'), 4);
    assert.equal(parseGoFloat('-0x10p0'), -16);
    assert.equal(parseGoFloat('0x_1p0'), 1);
    assert.equal(parseGoFloat('0x.8p1'), 1);
    assert.equal(parseGoFloat('0xABCp0'), 0xabc);
    assert.equal(parseGoFloat('0x1.fffffffffffffp1023'), Number.MAX_VALUE);
    assert.equal(parseGoFloat('0x1p-1022'), 2 ** -1022);
    assert.equal(parseGoFloat('0x1p-1074'), Number.MIN_VALUE);
    // Subnormal rounding, ties to even: half of MIN_VALUE rounds to 0, three quarters up to it.
    assert.equal(parseGoFloat('0x1p-1075'), 0);
    assert.equal(parseGoFloat('0x3p-1076'), Number.MIN_VALUE);
    // 54 significant bits: the last one is a tie, rounded to the even neighbour.
    assert.equal(parseGoFloat('0x20000000000001p0'), 2 ** 53);
    assert.equal(parseGoFloat('0x20000000000003p0'), 2 ** 53 + 4);
    for (const text of ['0x10', '0x', '0x1p', '0x.p1', '0xg1p0', '0x1.2.3p0', '0x1p1024', '0x1.fffffffffffff8p1023']) {
      assert.equal(parseGoFloat(text), undefined, text);
    }
  });

  it('rejects what ParseFloat rejects', () => {
    const bad = ['', '+', '-', '.', 'e5', '1e', '1e+', '1.2.3', ' 1', '1 ', '0b101', '0o7', '1,5', 'abc', '--1', '1e400', '-1e400', 'Inf1', '٣'];
    for (const text of bad) assert.equal(parseGoFloat(text), undefined, JSON.stringify(text));
  });

  it('reads a slice of a larger string', () => {
    const text = 'metric{} 12.5 1000';
    assert.equal(parseGoFloat(text, 9, 13), 12.5);
    assert.equal(parseGoFloat(text, 9, 12), 12);
  });
});

describe('parseGoInt64', () => {
  it('reads signed decimal integers within int64', () => {
    assert.equal(parseGoInt64('0'), 0);
    assert.equal(parseGoInt64('1395066363000'), 1395066363000);
    assert.equal(parseGoInt64('-3982045'), -3982045);
    assert.equal(parseGoInt64('+5'), 5);
    assert.equal(parseGoInt64('9223372036854775807'), Number(9223372036854775807n));
    assert.equal(parseGoInt64('-9223372036854775808'), -(2 ** 63));
  });

  it('rejects everything else', () => {
    for (const text of ['', '-', '+', '1.5', '1e3', '1_000', '0x10', ' 1', '9223372036854775808', '-9223372036854775809', 'NaN']) {
      assert.equal(parseGoInt64(text), undefined, JSON.stringify(text));
    }
  });
});
