import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bodyPieces, bodyText, isUtf8Body } from './body-pieces.js';

/** The bytes cut into chunks of the given sizes (the rest in one last chunk), as a socket may. */
function chunked(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length) chunks.push(bytes.subarray(at));
  return chunks;
}

describe('bodyPieces', () => {
  const line = (i: number): string => `response_total{authority="a-${i}.ns.svc.cluster.local:8080",direction="outbound"} ${i}\n`;
  const page = Array.from({ length: 3000 }, (_, i) => line(i)).join('');

  it('cuts a page into line-aligned pieces under 128 KiB that join back to it, however it arrived', () => {
    const bytes = Buffer.from(page);
    assert.ok(bytes.length > 200 * 1024, `${bytes.length} bytes`);
    for (const sizes of [[], [1], [7, 70_000, 3], [65_536, 65_536], [100_000, 1]]) {
      const pieces = bodyPieces(chunked(bytes, sizes));
      assert.ok(pieces !== undefined);
      assert.equal(bodyText(pieces), page);
      assert.ok(pieces.length >= 3, `${pieces.length} pieces`);
      for (const piece of pieces) {
        assert.ok(piece.length < 128 * 1024, `a piece of ${piece.length} characters`);
        assert.ok(piece.endsWith('\n'), 'every piece ends a line');
      }
    }
  });

  it('keeps a line longer than a piece whole, and a last line without a line break', () => {
    const long = `# ${'x'.repeat(200 * 1024)}\n`;
    const text = `a 1\n${long}b 2`;
    const pieces = bodyPieces(chunked(Buffer.from(text), [3, 40_000, 90_000]));
    assert.ok(pieces !== undefined);
    assert.equal(bodyText(pieces), text);
    assert.ok(pieces.some((piece) => piece.includes(long)), 'the long line is in one piece');
    assert.equal(pieces.at(-1), 'b 2');
  });

  it('decodes UTF-8 whose characters straddle chunks, and refuses bytes that are no UTF-8', () => {
    const text = `x{v="é😀ü"} 1\n${'y{v="ß"} 2\n'.repeat(10_000)}`;
    const bytes = Buffer.from(text);
    for (let cut = 5; cut < 12; cut++) assert.equal(bodyText(bodyPieces(chunked(bytes, [cut])) ?? []), text, `cut at ${cut}`);
    const broken = Buffer.concat([Buffer.from('a{v="'), Buffer.from([0xc3, 0x28]), Buffer.from('"} 1\n')]);
    assert.equal(bodyPieces([broken]), undefined);
    assert.equal(bodyPieces([Buffer.from(page), broken]), undefined, 'a bad byte far down the page is found too');
    assert.equal(isUtf8Body(chunked(bytes, [7])), true, 'a character cut by a chunk is still UTF-8');
    assert.equal(isUtf8Body([broken]), false);
    assert.equal(isUtf8Body([Buffer.from(page), broken]), false);
  });

  it('gives no pieces for an empty body', () => {
    assert.deepEqual(bodyPieces([]), []);
    assert.deepEqual(bodyPieces([Buffer.alloc(0)]), []);
  });
});
