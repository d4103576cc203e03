// When schedule steps fall due. Each step's `after` counts from the previous step (the first
// from the start); with `repeat`, the list starts over after the last step, so the cycle length
// is the sum of all `after`s and step i of cycle k falls at k·cycle + offset(i).
import type { ScheduleStep } from './scenario.js';

export class ScheduleClock {
  private readonly offsets: number[] = [];
  private readonly cycleMs: number;
  private index = 0;
  private cycle = 0;

  constructor(
    private readonly steps: readonly ScheduleStep[],
    private readonly repeat: boolean,
  ) {
    let offset = 0;
    for (const step of steps) {
      offset += step.afterMs;
      this.offsets.push(offset);
    }
    this.cycleMs = offset;
    // Validation guarantees a positive first `after`; without it a repeating schedule would
    // fire infinitely often at one instant.
    if (repeat && this.cycleMs <= 0) throw new RangeError('a repeating schedule needs a positive total duration');
  }

  /** Simulated time of the next step, or Infinity when the schedule is over. */
  nextAtMs(): number {
    const offset = this.offsets[this.index];
    return offset === undefined ? Infinity : this.cycle * this.cycleMs + offset;
  }

  /** Removes and returns, in order, every step due at or before `atMs`. */
  takeDue(atMs: number): ScheduleStep[] {
    const due: ScheduleStep[] = [];
    while (this.nextAtMs() <= atMs) {
      due.push(this.steps[this.index]!);
      this.index += 1;
      if (this.index === this.steps.length && this.repeat) {
        this.index = 0;
        this.cycle += 1;
      }
    }
    return due;
  }
}
