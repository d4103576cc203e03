import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTabwriter, renderTabwriter, trimLeftPadding } from './tabwriter.js';

describe('formatTabwriter', () => {
  // The three layouts below are the examples in Go's text/tabwriter documentation.
  it('right-aligns with a minimal width (Writer.Init example)', () => {
    const text = 'a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n';
    assert.equal(
      formatTabwriter(text, { minWidth: 5, padding: 1, alignRight: true }),
      '    a     b       c         d.\n  123 12345 1234567 123456789.\n\n',
    );
  });

  it('lays out each column per block of consecutive lines (elastic example)', () => {
    const text = 'a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n';
    assert.equal(
      formatTabwriter(text, { padding: 1, padChar: '.', alignRight: true, debug: true }),
      '....a|..b|c\n...aa|.bb|cc\n..aaa|\n.aaaa|.dddd|eeee\n',
    );
  });

  it('leaves text after the last tab out of the columns (trailing tab example)', () => {
    const text = 'a\tb\taligned\t\naa\tbb\taligned\t\naaa\tbbb\tunaligned\naaaa\tbbbb\taligned\t\n';
    assert.equal(
      formatTabwriter(text, { padding: 3, padChar: '-', alignRight: true, debug: true }),
      '------a|------b|---aligned|\n-----aa|-----bb|---aligned|\n----aaa|----bbb|unaligned\n---aaaa|---bbbb|---aligned|\n',
    );
  });

  it('aligns left by default and pads empty cells', () => {
    assert.equal(formatTabwriter('a\t\tc\t\nlong\tx\t\t\n', { padding: 1 }), 'a      c \nlong x   \n');
  });

  it('counts width in code points, not UTF-16 units or bytes', () => {
    assert.equal(formatTabwriter('é😀\t\nab\t\n', { padding: 1, alignRight: true }), ' é😀\n ab\n');
  });

  it('writes an unterminated last line as it is', () => {
    assert.equal(formatTabwriter('a\tbb\t\nccc\tz', { padding: 1 }), 'a   bb \nccc z');
    assert.equal(formatTabwriter('a\t', { padding: 1 }), 'a');
    assert.equal(formatTabwriter('', { padding: 1 }), '');
  });

  it('rejects a padding character it does not model', () => {
    assert.throws(() => formatTabwriter('a\t\n', { padChar: '\t' }), RangeError);
    assert.throws(() => formatTabwriter('a\t\n', { padChar: '--' }), RangeError);
  });
});

describe('renderTabwriter and trimLeftPadding', () => {
  it('reproduce Linkerd’s right-aligned table without its leading padding', () => {
    const out = renderTabwriter([
      ['NAME', 'SUCCESS', 'RPS'],
      ['web ', '100.00%', '2.0rps'],
      ['a   ', '-', '-'],
    ]);
    assert.equal(out, '   NAME   SUCCESS      RPS\n   web    100.00%   2.0rps\n   a            -        -\n');
    assert.equal(trimLeftPadding(out), 'NAME   SUCCESS      RPS\nweb    100.00%   2.0rps\na            -        -\n');
  });

  it('trims to nothing when the output is not longer than the padding', () => {
    assert.equal(trimLeftPadding(''), '');
    assert.equal(trimLeftPadding('   '), '');
    assert.equal(trimLeftPadding('    x'), ' x');
  });
});
