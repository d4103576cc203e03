import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { bodyText } from './body-pieces.js';
import { PageReader } from './page-reader.js';

const line = (i: number): string => `response_total{authority="web-${i % 97}.shop.svc.cluster.local:8080",direction="outbound",n="${i}"} ${i * 7}\n`;
const PAGE = Array.from({ length: 6000 }, (_, i) => line(i)).join('');

/** With a 4-byte member after it, exactly the reader's first buffer (64 KiB). */
const FILL = `${'x'.repeat(64 * 1024 - 5)}\n`;

const readers = [new PageReader(), new PageReader({ reuseInflater: false })];

describe('PageReader', () => {
  it('drives one zlib stream on the Node versions splitstat supports', () => {
    assert.equal(new PageReader().reusesInflater, true, `Node ${process.version} no longer lets zlib be driven: reads fall back to gunzipSync`);
    assert.equal(new PageReader({ reuseInflater: false }).reusesInflater, false);
  });

  it('gives the page gunzip gives, whatever the gzip stream says or holds, page after page', () => {
    const gzip = gzipSync(PAGE);
    const cases: [string, Buffer, string][] = [
      ['a page', gzip, PAGE],
      // A stream of several members states only its last member's size: the buffer must grow.
      ['several members', Buffer.concat([gzipSync('a 1\n'), gzipSync(PAGE), gzipSync('b 2\n')]), `a 1\n${PAGE}b 2\n`],
      ['members that fill the first buffer exactly', Buffer.concat([gzipSync(FILL), gzipSync('b 2\n')]), `${FILL}b 2\n`],
      ['an empty page', gzipSync(''), ''],
      ['the first page again', gzip, PAGE],
    ];
    for (const reader of readers) {
      for (const [what, compressed, text] of cases) {
        // Split as a socket may deliver it.
        const read = reader.read([compressed.subarray(0, 5), compressed.subarray(5)], 'gzip', 32 * 1024 * 1024);
        assert.ok(read.ok, `${what}: ${read.ok ? '' : read.message}`);
        assert.equal(bodyText(read.body), text, what);
        assert.equal(read.bytes, Buffer.byteLength(text), what);
      }
    }
  });

  it('refuses what does not inflate, what inflates past the cap, and what is no UTF-8, then reads the next page', () => {
    const gzip = gzipSync(PAGE);
    const bomb = Buffer.concat(Array.from({ length: 8 }, () => gzipSync(`#${' '.repeat(1024 * 1024 - 2)}\n`, { level: 9 })));
    for (const reader of readers) {
      const lying = Buffer.from(gzip);
      lying.writeUInt32LE(10, lying.length - 4);
      const failures = [
        reader.read([gzip.subarray(0, gzip.length - 100)], 'gzip', 1 << 25),
        reader.read([lying], 'gzip', 1 << 25),
        reader.read([Buffer.from('not gzip at all')], 'gzip', 1 << 25),
        reader.read([bomb], 'gzip', 4 * 1024 * 1024),
        reader.read([gzip], 'gzip', PAGE.length - 1),
        reader.read([gzipSync(Buffer.from([0x61, 0x7b, 0xc3, 0x28, 0x7d, 0x20, 0x31, 0x0a]))], 'gzip', 1 << 25),
        reader.read([Buffer.from([0xff, 0x0a])], 'identity', 1 << 25),
      ].map((read) => (read.ok ? 'ok' : `${read.reason}: ${read.message}`));
      assert.match(failures[0] ?? '', /^network: the gzip body does not decompress: /);
      assert.match(failures[1] ?? '', /^network: the gzip body does not decompress: incorrect length check/);
      assert.match(failures[2] ?? '', /^network: the gzip body does not decompress: /);
      assert.deepEqual(failures.slice(3), [
        'body-too-large: body exceeds the 4194304-byte limit',
        `body-too-large: body exceeds the ${PAGE.length - 1}-byte limit`,
        'parse: the page is not valid UTF-8',
        'parse: the page is not valid UTF-8',
      ]);
      const after = reader.read([gzip], 'gzip', 1 << 25);
      assert.ok(after.ok);
      assert.equal(bodyText(after.body), PAGE);
    }
  });

  it('reads an identity page as it came', () => {
    const read = new PageReader().read([Buffer.from(PAGE.slice(0, 1000)), Buffer.from(PAGE.slice(1000))], 'identity', 1 << 25);
    assert.ok(read.ok);
    assert.equal(bodyText(read.body), PAGE);
  });
});
