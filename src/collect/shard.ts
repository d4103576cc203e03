// Collector sharding (`--shard i/N`, DESIGN.md "Scale"): each of N collectors scrapes only the
// targets whose identity hashes into its shard, and Prometheus sums the shards' counters. For the
// sum to equal one unsharded collector, every shard must put every target in the same place
// without talking to the others, so the decision is a pure function of the target.
//
// The identity is `namespace/pod`, not the URL: pod names are unique within a namespace for the
// pod's whole life and are what every shard's discovery reports identically, while pod IPs are
// recycled to other pods within seconds of a deletion (a URL can denote a different pod from one
// discovery refresh to the next). Static targets files without a pod name get `host:port` as the
// pod, so they shard too.
import type { ScrapeTarget } from './target.js';

export interface Shard {
  /** 0 ≤ index < count. */
  readonly index: number;
  readonly count: number;
}

export class ShardError extends Error {
  override readonly name = 'ShardError';
}

/** Most shards anyone would run; a larger N is almost certainly a typo. */
export const MAX_SHARDS = 1024;

/** Parses `i/N`; throws ShardError naming what is wrong. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) throw new ShardError(`${JSON.stringify(text)} is not i/N (e.g. 0/3: the first of three shards)`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new ShardError(`${JSON.stringify(text)}: N must be at least 1`);
  if (count > MAX_SHARDS) throw new ShardError(`${JSON.stringify(text)}: N must be at most ${MAX_SHARDS}`);
  if (index >= count) throw new ShardError(`${JSON.stringify(text)}: i must be 0 to ${count - 1} (shards are numbered from 0)`);
  return { index, count };
}

/** The identity a target is sharded by. */
export function shardKey(target: Pick<ScrapeTarget, 'namespace' | 'pod'>): string {
  return `${target.namespace}/${target.pod}`;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes: tiny, fast and the same in every process and version. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    // The FNV prime; Math.imul keeps the product exact modulo 2^32, as the algorithm wants.
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Which shard of `count` a target belongs to. */
export function shardOf(target: Pick<ScrapeTarget, 'namespace' | 'pod'>, count: number): number {
  return fnv1a32(shardKey(target)) % count;
}

/** True when the target is this shard's to scrape. */
export function inShard(target: Pick<ScrapeTarget, 'namespace' | 'pod'>, shard: Shard): boolean {
  return shardOf(target, shard.count) === shard.index;
}

/** `i/N`, as parsed. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
