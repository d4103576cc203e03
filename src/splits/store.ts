// The current set of TrafficSplits, shared by whichever source feeds it (manifest files, kube
// informer) and every reader (stat sources, /metrics, GraphQL). Readers get immutable snapshots.
import type { SplitIssue, TrafficSplit } from './model.js';
import { sharedBackendIssues } from './shared-backends.js';

export type SplitChange =
  | { readonly type: 'upsert'; readonly split: TrafficSplit; readonly previous: TrafficSplit | undefined }
  | { readonly type: 'delete'; readonly split: TrafficSplit };

export type SplitChangeListener = (change: SplitChange) => void;

export class SplitStore {
  readonly #splits = new Map<string, TrafficSplit>();
  readonly #listeners = new Set<SplitChangeListener>();
  /** Issues that come from several splits together; recomputed on the first read after a change. */
  #crossIssues: Map<string, SplitIssue[]> | undefined;

  get size(): number {
    return this.#splits.size;
  }

  get(key: string): TrafficSplit | undefined {
    return this.#splits.get(key);
  }

  /** All splits, sorted by key so every reader sees the same order. */
  list(): TrafficSplit[] {
    return [...this.#splits.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  upsert(split: TrafficSplit): void {
    const previous = this.#splits.get(split.key);
    this.#splits.set(split.key, split);
    this.#emit({ type: 'upsert', split, previous });
  }

  delete(key: string): void {
    const split = this.#splits.get(key);
    if (split === undefined) return;
    this.#splits.delete(key);
    this.#emit({ type: 'delete', split });
  }

  /**
   * Makes the store hold exactly `splits`, emitting only real differences. With `owns`, only the
   * splits it claims are replaced: each cluster source owns one kind and leaves the others alone.
   */
  replaceAll(splits: Iterable<TrafficSplit>, owns: (split: TrafficSplit) => boolean = () => true): void {
    const next = new Map<string, TrafficSplit>();
    for (const split of splits) next.set(split.key, split);
    for (const [key, split] of [...this.#splits]) if (!next.has(key) && owns(split)) this.delete(key);
    for (const split of next.values()) {
      const previous = this.#splits.get(split.key);
      if (previous === undefined || !sameSplit(previous, split)) this.upsert(split);
    }
  }

  /**
   * The split's own issues, then those it has with other splits (a backend another split also
   * lists). Only the split's own issues make it invalid.
   */
  issuesOf(split: TrafficSplit): readonly SplitIssue[] {
    this.#crossIssues ??= sharedBackendIssues([...this.#splits.values()]);
    const shared = this.#crossIssues.get(split.key);
    return shared === undefined ? split.issues : [...split.issues, ...shared];
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: SplitChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: SplitChange): void {
    this.#crossIssues = undefined;
    for (const listener of this.#listeners) listener(change);
  }
}

function sameSplit(a: TrafficSplit, b: TrafficSplit): boolean {
  // Splits are plain data (the Quantity holds a bigint, which JSON cannot carry), so compare
  // the fields that define them.
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

function comparable(split: TrafficSplit): unknown {
  return {
    ...split,
    backends: split.backends.map((b) => ({ ...b, weight: b.weight === null ? null : `${b.weight.mantissa}e${b.weight.exponent}` })),
  };
}
