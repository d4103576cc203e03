// The weight changes this process has seen, per split, for as long as the longest window: what a
// history answer marks on its chart and which weights each of its points was configured with.
// The store reports changes, never their past, so history starts when the process does; a split
// changed more often than the limit keeps its newest changes and the dropped ones are counted.
import type { SplitStore } from './store.js';
import type { TrafficSplit } from './model.js';
import { weightChange } from './weight-change.js';
import type { WeightChange } from './weight-change.js';

export interface WeightHistoryOptions {
  /** How long a change is kept (the longest window a history may cover). */
  readonly retentionMs: number;
  /** At most this many changes per split; older ones are dropped (and counted) first. */
  readonly maxChangesPerSplit?: number;
  readonly now: () => number;
}

/** The default limit: a change every 15 s for an hour is 240. */
export const MAX_WEIGHT_CHANGES_PER_SPLIT = 256;

interface Recorded {
  readonly atMs: number;
  readonly change: WeightChange;
}

export class WeightHistory {
  readonly #retentionMs: number;
  readonly #limit: number;
  readonly #now: () => number;
  readonly #bySplit = new Map<string, Recorded[]>();
  readonly #stop: () => void;
  #dropped = 0;

  constructor(store: Pick<SplitStore, 'onChange'>, { retentionMs, maxChangesPerSplit = MAX_WEIGHT_CHANGES_PER_SPLIT, now }: WeightHistoryOptions) {
    this.#retentionMs = retentionMs;
    this.#limit = Math.max(1, maxChangesPerSplit);
    this.#now = now;
    this.#stop = store.onChange((change) => {
      const atMs = now();
      const event = weightChange(change, atMs);
      if (event === null) return;
      let changes = this.#bySplit.get(change.split.key);
      if (changes === undefined) {
        changes = [];
        this.#bySplit.set(change.split.key, changes);
      }
      changes.push({ atMs, change: event });
      this.#expire(change.split.key, changes, atMs);
    });
  }

  /** Changes dropped because a split changed more often than the limit. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The split's changes in (fromMs, toMs], oldest first. */
  changesOf(split: Pick<TrafficSplit, 'key'>, fromMs: number, toMs: number): WeightChange[] {
    const changes = this.#live(split.key);
    return changes.filter(({ atMs }) => atMs > fromMs && atMs <= toMs).map(({ change }) => change);
  }

  /**
   * Each backend's configured share at an instant, by service: what the last change up to then
   * left, or, before the first change seen, what that change found. A split never changed since
   * the process started has its current weights. A service missing from the answer had no
   * weight then.
   */
  weightRatiosAt(split: Pick<TrafficSplit, 'key' | 'backends'>, atMs: number): ReadonlyMap<string, number | null> {
    const changes = this.#live(split.key);
    const next = changes.findIndex((recorded) => recorded.atMs > atMs);
    let weights: readonly { service: string; weightRatio: number | null }[];
    if (next === -1) weights = changes.length === 0 ? split.backends : (changes[changes.length - 1] as Recorded).change.after;
    else weights = next === 0 ? (changes[0] as Recorded).change.before : (changes[next - 1] as Recorded).change.after;
    return new Map(weights.map(({ service, weightRatio }) => [service, weightRatio]));
  }

  /** Stops recording. */
  dispose(): void {
    this.#stop();
  }

  #live(key: string): Recorded[] {
    const changes = this.#bySplit.get(key);
    if (changes === undefined) return [];
    this.#expire(key, changes, this.#now());
    return changes;
  }

  #expire(key: string, changes: Recorded[], nowMs: number): void {
    const horizon = nowMs - this.#retentionMs;
    let old = 0;
    while (old < changes.length && (changes[old] as Recorded).atMs <= horizon) old++;
    const over = Math.max(0, changes.length - old - this.#limit);
    this.#dropped += over;
    if (old + over > 0) changes.splice(0, old + over);
    // A deleted split's history goes when its last change does.
    if (changes.length === 0) this.#bySplit.delete(key);
  }
}
