// Deterministic randomness. Every request stream (client pod × call) gets its own generator,
// seeded from the scenario seed and the stream's name, so adding a client to a scenario or
// advancing time in different step sizes leaves every other stream's draws unchanged.

/** FNV-1a over the text, finished with murmur3's avalanche so similar names differ widely. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32: small, fast, passes PractRand far beyond what a simulation draws. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = '') {
    // Seeds above 2^32 still matter: fold the high part in rather than dropping it.
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    this.a = hash32(stream, seed >>> 0);
    this.b = hash32(stream, high ^ 0x9e3779b9);
    this.c = hash32(stream, (seed >>> 0) ^ 0x7f4a7c15);
    this.d = 1;
    // The first outputs of a fresh sfc32 state are correlated with the seed; discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }
}
