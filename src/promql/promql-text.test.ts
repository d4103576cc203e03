// The small pieces of PromQL text: Go-style quoting, sorted label lists, ranges, rounding.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPromDuration, goQuote, labelList, promqlRange, roundSample } from './promql-text.js';
import { batchByLength } from './schema.js';

describe('PromQL text', () => {
  it('quotes like Go %q', () => {
    assert.equal(goQuote('outbound'), '"outbound"');
    assert.equal(goQuote('a"b\\c\n\x01'), '"a\\"b\\\\c\\n\\x01"');
  });

  it('sorts matchers as whole strings, byte-wise, and joins them with ", "', () => {
    assert.equal(labelList(['namespace="x"', 'authority=~"^a.b.svc.*"', 'direction="outbound"', 'deployment="d"']), '{authority=~"^a.b.svc.*", deployment="d", direction="outbound", namespace="x"}');
    assert.equal(labelList(['dst_service="s"', 'dst_namespace="n"']), '{dst_namespace="n", dst_service="s"}');
  });

  it('passes PromQL-readable windows verbatim and rewrites the rest', () => {
    assert.equal(promqlRange(60_000, '1m'), '1m');
    assert.equal(promqlRange(60_000, '60s'), '60s');
    assert.equal(promqlRange(90_000, '1m30s'), '1m30s');
    assert.equal(promqlRange(90_000, '1.5m'), '1m30s');
    assert.equal(promqlRange(60_000), '1m');
    assert.equal(formatPromDuration(3_600_000 + 1500), '1h1s500ms');
  });

  it('rounds half away from zero, NaN to 0', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 0.4, 0.49999, -0.5, -2.5, Number.NaN].map(roundSample), [1, 2, 3, 0, 0, -1, -3, 0]);
  });

  it('batches by a length budget, never leaving an item out', () => {
    assert.deepEqual(batchByLength(['aaaa', 'bb', 'cccccc', 'd'], (item) => item.length, 8), [['aaaa', 'bb'], ['cccccc'], ['d']]); // each item costs its length + 1 (the "|")
    assert.deepEqual(batchByLength(['much-too-long'], (item) => item.length, 4), [['much-too-long']]);
    assert.deepEqual(batchByLength([], () => 1, 4), []);
  });
});
