// The CRC-32 that checks an inflated gzip page against its trailer. zlib's own (the one gunzip
// runs as it inflates, and `zlib.crc32`) works a byte table at about 2–4 GB/s: 90–170 µs for a
// 390 KiB proxy page, nearly half of what inflating it costs. @node-rs/crc32 (crc32fast, with the
// CPU's carry-less multiply) does the same sum in about 35 µs, so pages are inflated without
// zlib's check and then checked with this one (page-reader.ts, BENCHMARKS.md). Where its native
// binding cannot be loaded (a platform it has no build for), zlib's sum is used: slower, the same
// answer.
import { createRequire } from 'node:module';
import { crc32 as zlibCrc32 } from 'node:zlib';

type Crc32 = (bytes: Buffer) => number;
type Loaded = { readonly sum: Crc32; readonly implementation: 'native' | 'zlib' };

/** Loaded on first use: a process that reads no gzip page (`stat`, PromQL mode) never maps the addon (about 4 MiB). */
let loaded: Loaded | undefined;

/** The CRC-32 (ISO-HDLC, gzip's) of `bytes`, as an unsigned 32-bit number. */
export function crc32(bytes: Buffer): number {
  return (loaded ??= loadCrc32()).sum(bytes);
}

/** Which implementation checks pages: `native` (@node-rs/crc32) or `zlib` (its fallback). */
export function crc32Implementation(): 'native' | 'zlib' {
  return (loaded ??= loadCrc32()).implementation;
}

function loadCrc32(): Loaded {
  const fallback = { sum: (bytes: Buffer) => zlibCrc32(bytes), implementation: 'zlib' } as const;
  try {
    // A native module: required, not imported, so that a missing binding is a fallback, not a
    // process that cannot start.
    const native = createRequire(import.meta.url)('@node-rs/crc32') as { crc32?: (input: Buffer, initial?: number) => number };
    const sum = native.crc32;
    if (typeof sum !== 'function') return fallback;
    // napi returns the sum as an unsigned 32-bit number already; `>>> 0` keeps that promise.
    return { sum: (bytes) => sum(bytes) >>> 0, implementation: 'native' };
  } catch {
    return fallback;
  }
}
