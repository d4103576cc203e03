import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a32, formatShard, inShard, parseShard, shardOf } from './shard.js';

const targets = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ namespace: `ns-${i % 37}`, pod: `web-${(i * 7919).toString(36)}-${i}` }));

describe('parseShard', () => {
  it('reads i/N', () => {
    assert.deepEqual(parseShard('0/3'), { index: 0, count: 3 });
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 });
    assert.equal(formatShard(parseShard('4/5')), '4/5');
  });

  it('rejects what is not a shard, saying why', () => {
    assert.throws(() => parseShard('3/3'), /"3\/3": i must be 0 to 2 \(shards are numbered from 0\)/);
    assert.throws(() => parseShard('0/0'), /N must be at least 1/);
    assert.throws(() => parseShard('1/2000'), /N must be at most 1024/);
    for (const bad of ['', '1', '1/', '/3', '-1/3', '1.5/3', 'a/b', '1/3/5', 'ordinal/3']) {
      assert.throws(() => parseShard(bad), /is not i\/N/, bad);
    }
  });
});

describe('fnv1a32', () => {
  it('matches the published FNV-1a test vectors', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is c3 a9 in UTF-8.
    const manual = [0xc3, 0xa9].reduce((hash, byte) => Math.imul(hash ^ byte, 0x01000193) >>> 0, 0x811c9dc5);
    assert.equal(fnv1a32('é'), manual);
  });
});

describe('inShard', () => {
  it('puts every target in exactly one of the N shards', () => {
    const all = targets(2000);
    for (const count of [1, 2, 3, 7]) {
      const shards = Array.from({ length: count }, (_, index) => ({ index, count }));
      for (const target of all) {
        assert.equal(shards.filter((shard) => inShard(target, shard)).length, 1, `${target.namespace}/${target.pod} with N=${count}`);
      }
    }
  });

  it('spreads 10k targets across 3 shards within 3 % of a third each', () => {
    const counts = [0, 0, 0];
    for (const target of targets(10_000)) counts[shardOf(target, 3)]! += 1;
    for (const count of counts) assert.ok(Math.abs(count - 10_000 / 3) < 0.03 * (10_000 / 3), `shard sizes ${counts.join(', ')}`);
  });

  it('depends on namespace and pod only, so a new pod IP keeps the shard', () => {
    const pod = { namespace: 'shop', pod: 'checkout-7d9f-abcde' };
    const before = { ...pod, url: 'http://10.0.0.1:4191/metrics' };
    const after = { ...pod, url: 'http://10.0.9.9:4191/metrics' };
    assert.equal(shardOf(before, 5), shardOf(after, 5));
  });
});
