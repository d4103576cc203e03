import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32, gzipSync } from 'node:zlib';
import { bodyText } from './body-pieces.js';
import { crc32, crc32Implementation } from './crc32.js';
import { PageReader } from './page-reader.js';

const line = (i: number): string => `response_total{authority="web-${i % 97}.shop.svc.cluster.local:8080",direction="outbound",n="${i}"} ${i * 7}\n`;
const PAGE = Array.from({ length: 6000 }, (_, i) => line(i)).join('');

/** With a 4-byte member after it, exactly the reader's first buffer (64 KiB). */
const FILL = `${'x'.repeat(64 * 1024 - 5)}\n`;

const readers = [new PageReader(), new PageReader({ reuseInflater: false })];

/** `gzipSync(text)` with its header rebuilt to carry the optional fields RFC 1952 §2.3 lists. */
function withHeaderFields(text: string, fields: { extra?: Buffer; name?: string; comment?: string; headerCrc?: boolean; text?: boolean }): Buffer {
  const plain = gzipSync(text);
  const flags = (fields.text === true ? 0x01 : 0) | (fields.headerCrc === true ? 0x02 : 0) | (fields.extra ? 0x04 : 0) | (fields.name === undefined ? 0 : 0x08) | (fields.comment === undefined ? 0 : 0x10);
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, flags]), plain.subarray(4, 10)];
  if (fields.extra !== undefined) parts.push(Buffer.from([fields.extra.length & 0xff, fields.extra.length >> 8]), fields.extra);
  if (fields.name !== undefined) parts.push(Buffer.from(`${fields.name}\0`, 'latin1'));
  if (fields.comment !== undefined) parts.push(Buffer.from(`${fields.comment}\0`, 'latin1'));
  const header = Buffer.concat(parts);
  const check = Buffer.alloc(2);
  check.writeUInt16LE(zlibCrc32(header) & 0xffff);
  return Buffer.concat([header, fields.headerCrc === true ? check : Buffer.alloc(0), plain.subarray(10)]);
}

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

  it('checks a gzip page itself when it is one member with a plain header, and leaves every other kind to zlib', () => {
    const gzip = gzipSync(PAGE);
    const cases: [string, Buffer, string, 'checked' | 'byZlib'][] = [
      ['no optional field', gzip, PAGE, 'checked'],
      ['FTEXT', withHeaderFields(PAGE, { text: true }), PAGE, 'checked'],
      ['a file name', withHeaderFields(PAGE, { name: 'metrics.txt' }), PAGE, 'checked'],
      ['an extra field, a name and a comment', withHeaderFields(PAGE, { extra: Buffer.from('AB\x04\x00data', 'latin1'), name: 'm', comment: 'proxy page' }), PAGE, 'checked'],
      ['a header check sum', withHeaderFields(PAGE, { headerCrc: true, name: 'm' }), PAGE, 'byZlib'],
      ['padding after the member', Buffer.concat([gzip, Buffer.alloc(16)]), PAGE, 'byZlib'],
      ['two members', Buffer.concat([gzipSync('a 1\n'), gzipSync('b 2\n')]), 'a 1\nb 2\n', 'byZlib'],
    ];
    for (const [what, compressed, text, by] of cases) {
      const reader = new PageReader();
      const read = reader.read([compressed], 'gzip', 1 << 25);
      assert.ok(read.ok, `${what}: ${read.ok ? '' : read.message}`);
      assert.equal(bodyText(read.body), text, what);
      assert.deepEqual(reader.inflated, by === 'checked' ? { checked: 1, byZlib: 0 } : { checked: 0, byZlib: 1 }, what);
    }
  });

  it('refuses a page whose trailer does not check, as zlib does', () => {
    const gzip = gzipSync(PAGE);
    const wrongSum = Buffer.from(gzip);
    wrongSum.writeUInt32LE((wrongSum.readUInt32LE(wrongSum.length - 8) ^ 1) >>> 0, wrongSum.length - 8);
    // A flipped bit in a stored block's data: the deflate stream stays whole, only the sum tells.
    const stored = gzipSync(PAGE.slice(0, 2000), { level: 0 });
    stored[500] = (stored[500] as number) ^ 0x02;
    const shortLength = Buffer.from(gzip);
    shortLength.writeUInt32LE(PAGE.length - 1, shortLength.length - 4);
    const reader = new PageReader();
    const failures = [wrongSum, stored, shortLength].map((compressed) => {
      const read = reader.read([compressed], 'gzip', 1 << 25);
      return read.ok ? 'ok' : read.message;
    });
    assert.deepEqual(failures, [
      'the gzip body does not decompress: incorrect data check',
      'the gzip body does not decompress: incorrect data check',
      'the gzip body does not decompress: incorrect length check',
    ]);
    assert.deepEqual(reader.inflated, { checked: 0, byZlib: 3 });
  });

  it("sums CRC-32 as zlib does, with the native implementation where it has a build (a failure in CI, not a fallback)", () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from('a'), Buffer.from(PAGE), Buffer.from(PAGE).subarray(3, 70_001)]) {
      assert.equal(crc32(bytes), zlibCrc32(bytes));
    }
    if (process.env.CI === 'true' || (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64'))) assert.equal(crc32Implementation(), 'native');
  });

  it('reads an identity page as it came', () => {
    const read = new PageReader().read([Buffer.from(PAGE.slice(0, 1000)), Buffer.from(PAGE.slice(1000))], 'identity', 1 << 25);
    assert.ok(read.ok);
    assert.equal(bodyText(read.body), PAGE);
  });
});
