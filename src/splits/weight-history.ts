// The weight changes this process has seen, per split, for as long as the longest window: what a
// history answer marks on its chart and which weights each of its points was configured with.
// The store reports changes, never their past, so history starts when the process does; a split
// changed more often than the limit keeps its newest changes and the dropped ones are counted.
// Changes older than the retention are forgotten, those of deleted splits included.
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
  #lastSweepMs: number;

  constructor(store: Pick<SplitStore, 'onChange'>, { retentionMs, maxChangesPerSplit = MAX_WEIGHT_CHANGES_PER_SPLIT, now }: WeightHistoryOptions) {
    this.#retentionMs = retentionMs;
    this.#limit = Math.max(1, maxChangesPerSplit);
    this.#now = now;
    this.#lastSweepMs = now();
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
      this.#sweepIfDue(atMs);
    });
  }

  /** Splits with changes kept (deleted ones included, until their changes expire). */
  get trackedSplits(): number {
    return this.#bySplit.size;
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
   * Backends the split listed at some time after `fromMs` but lists no more, in the order they
   * were seen: their past traffic belongs in a history from then. (What a change found was
   * listed until it; whatever was listed since `fromMs` was found by some later change, or is
   * listed now.)
   */
  formerBackends(split: Pick<TrafficSplit, 'key' | 'backends'>, fromMs: number): string[] {
    const current = new Set(split.backends.map((backend) => backend.service));
    const former = new Set<string>();
    for (const { atMs, change } of this.#live(split.key)) {
      if (atMs <= fromMs) continue;
      for (const { service } of change.before) if (!current.has(service)) former.add(service);
    }
    return [...former];
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
    const nowMs = this.#now();
    this.#sweepIfDue(nowMs);
    const changes = this.#bySplit.get(key);
    if (changes === undefined) return [];
    this.#expire(key, changes, nowMs);
    return changes;
  }

  /**
   * Expires every split's old changes now and then (at most every eighth of the retention),
   * so the changes of splits deleted long ago, which nobody reads or changes again, go too.
   */
  #sweepIfDue(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < this.#retentionMs / 8) return;
    this.#lastSweepMs = nowMs;
    for (const [key, changes] of this.#bySplit) this.#expire(key, changes, nowMs);
  }

  #expire(key: string, changes: Recorded[], nowMs: number): void {
    const horizon = nowMs - this.#retentionMs;
    let old = 0;
    while (old < changes.length && (changes[old] as Recorded).atMs <= horizon) old++;
    const over = Math.max(0, changes.length - old - this.#limit);
    this.#dropped += over;
    if (old + over > 0) changes.splice(0, old + over);
    // A split's entry goes with its last change (a deleted split's, at the latest at a sweep).
    if (changes.length === 0) this.#bySplit.delete(key);
  }
}
