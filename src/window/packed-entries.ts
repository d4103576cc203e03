// How the window keeps an interval once it is committed: the numbers of all its (edge, client)
// entries in one Float64Array, and one small key object per entry. The window keeps an hour of
// intervals (110 of them: 10 minutes of fine ones, then one per minute), so what an entry costs is
// paid 110 times: as an object with its own typed array it cost 632 bytes (measured), packed it
// costs its numbers (232 bytes for Linkerd's 26 buckets) and some 60 bytes of key.
import type { Entry, EntryKey } from './interval.js';

/** What one slot of an array of references costs on a 64-bit V8 without pointer compression. */
const KEY_REFERENCE_BYTES = 8;

export class PackedEntries {
  readonly keys: readonly EntryKey[];
  /** Where each entry's numbers start in `values`; the next entry's start (or the end) ends them. */
  readonly offsets: Int32Array;
  readonly values: Float64Array;

  private constructor(keys: readonly EntryKey[], offsets: Int32Array, values: Float64Array) {
    this.keys = keys;
    this.offsets = offsets;
    this.values = values;
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * Bytes this interval holds for itself: its numbers, their offsets and a reference per key. The
   * key objects are shared with every interval that has the same (edge, client), so not counted.
   */
  get bytes(): number {
    return this.values.byteLength + this.offsets.byteLength + KEY_REFERENCE_BYTES * this.keys.length;
  }

  /** The entries of an interval; their key objects are shared with every interval that has them. */
  static pack(entries: readonly Entry[]): PackedEntries {
    const keys: EntryKey[] = [];
    const offsets = new Int32Array(entries.length + 1);
    let length = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      keys.push(entry.key);
      offsets[i] = length;
      length += entry.values.length;
    }
    offsets[entries.length] = length;
    const values = new Float64Array(length);
    for (let i = 0; i < entries.length; i++) values.set((entries[i] as Entry).values, offsets[i]);
    return new PackedEntries(keys, offsets, values);
  }

  /** The sum of two packed intervals, entry by entry. */
  static merge(older: PackedEntries, newer: PackedEntries): PackedEntries {
    const index = new Map<string, number>();
    older.keys.forEach((key, i) => index.set(key.id, i));
    const added: number[] = [];
    /** Where each entry only the newer one has goes among the merged entries. */
    const placeOf = new Map<number, number>();
    newer.keys.forEach((key, j) => {
      if (index.has(key.id)) return;
      placeOf.set(j, older.size + added.length);
      added.push(j);
    });
    const keys = [...older.keys, ...added.map((j) => newer.keys[j] as EntryKey)];
    const offsets = new Int32Array(keys.length + 1);
    const olderLength = older.values.length;
    offsets.set(older.offsets.subarray(0, older.size));
    let length = olderLength;
    added.forEach((j, k) => {
      offsets[older.size + k] = length;
      length += newer.width(j);
    });
    offsets[keys.length] = length;
    const values = new Float64Array(length);
    values.set(older.values);
    newer.keys.forEach((key, j) => {
      const at = index.get(key.id);
      const to = offsets[at ?? placeOf.get(j) ?? 0] as number;
      const from = newer.offsets[j] as number;
      const width = newer.width(j);
      for (let v = 0; v < width; v++) values[to + v] = (values[to + v] as number) + (newer.values[from + v] as number);
    });
    return new PackedEntries(keys, offsets, values);
  }

  /** How many numbers entry `i` has. */
  width(i: number): number {
    return (this.offsets[i + 1] as number) - (this.offsets[i] as number);
  }
}
