// What reading one gzipped proxy page costs, against Node's own `gunzipSync` measured in the same
// process on the same bytes: splitstat's PageReader as it reads a proxy's page (raw deflate into a
// reused buffer, trailer checked with @node-rs/crc32), the same reader on a page zlib's gunzip
// reads whole (one whose header carries a header check sum: the reused stream, with zlib's own
// CRC-32 as it inflates), and the two CRC-32 sums alone.
// Run: npm run bench:inflate -- [pages=300] [rounds=9]
//
// Rounds go round-robin over the contenders, so a noisy neighbour slows each alike; the median
// round is reported, as CPU microseconds per page (process.cpuUsage: user + system).
import { crc32 as zlibCrc32, gzipSync, gunzipSync } from 'node:zlib';
import { crc32, crc32Implementation, PageReader } from '../src/collect/index.js';
import { linkerdSplitPage } from './proxy-payload.js';

const pages = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 9);
if (!Number.isInteger(pages) || pages < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error('usage: bench/inflate.ts [pages ≥ 1] [rounds ≥ 1]');

// The bench fleet's page, gzipped as bench/fleet-worker.ts does (level 1, as fast as zlib goes).
const text = linkerdSplitPage({ authorities: 7 }).render(600, 0);
const page = Buffer.from(text);
const gzipped = gzipSync(page, { level: 1 });
const withHeaderCheck = headerWithCheckSum(gzipped);
const reader = new PageReader();
const maxBytes = 32 * 1024 * 1024;

const contenders: [string, () => number][] = [
  ['gunzipSync (Node, baseline)', () => gunzipSync(gzipped).length],
  ['PageReader, trailer checked with @node-rs/crc32', () => readLength(gzipped)],
  ["PageReader, zlib's gunzip (its CRC-32 as it inflates)", () => readLength(withHeaderCheck)],
  ["zlib's CRC-32 of the page alone", () => zlibCrc32(page)],
  [`crc32.ts of the page alone (${crc32Implementation()})`, () => crc32(page)],
];

function readLength(compressed: Buffer): number {
  const read = reader.read([compressed], 'gzip', maxBytes);
  if (!read.ok) throw new Error(read.message);
  return read.bytes;
}

/** The same member with FHCRC set and the header's check sum added: read by zlib's gunzip whole. */
function headerWithCheckSum(member: Buffer): Buffer {
  const header = Buffer.from(member.subarray(0, 10));
  header[3] = (header[3] as number) | 0x02;
  const check = Buffer.alloc(2);
  check.writeUInt16LE(zlibCrc32(header) & 0xffff);
  return Buffer.concat([header, check, member.subarray(10)]);
}

const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
let checksum = 0;
for (const [, run] of contenders) for (let i = 0; i < 50; i++) checksum += run();
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of contenders) {
    const before = process.cpuUsage();
    for (let i = 0; i < pages; i++) checksum += run();
    const used = process.cpuUsage(before);
    times.get(name)?.push((used.user + used.system) / pages);
  }
}
const inflated = reader.inflated;
if (inflated.byZlib === 0 || inflated.checked === 0) throw new Error(`the reader did not take both paths: ${JSON.stringify(inflated)}`);

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const baseline = median(times.get(contenders[0]?.[0] ?? '') ?? []);
console.log(`page: ${(page.length / 1024).toFixed(0)} KiB, ${(gzipped.length / 1024).toFixed(0)} KiB gzipped; ${pages} pages × ${rounds} rounds, node ${process.version}; median CPU per page`);
console.log('| contender | µs per page | against gunzipSync |');
console.log('| --- | --- | --- |');
for (const [name] of contenders) {
  const value = median(times.get(name) ?? []);
  console.log(`| ${name} | ${value.toFixed(0)} | ${(value / baseline).toFixed(2)} |`);
}
console.log(`(checksum ${checksum})`);
