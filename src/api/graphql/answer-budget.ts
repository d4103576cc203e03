// What one answer may cost, enforced while it is built. The static limits (depth, aliases, cost)
// cannot know how many backends a `backends` field fans out to, and a timer cannot interrupt
// work that never yields: one query over a 10,000-backend split once held the event loop (and
// with it /healthz and every other request) for half a minute. So each answer counts the splits
// and backends it lists against a budget, and hands them to GraphQL a slice per turn of the
// event loop: other requests are served between slices, the request timer can fire, and once
// the deadline has passed the remaining slices are refused instead of computed for nobody.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import { timeoutError } from './timeout.js';

export const ANSWER_TOO_LARGE = 'ANSWER_TOO_LARGE';

/** Splits and backends completed per turn of the event loop: a few milliseconds of work. */
const ITEMS_PER_TURN = 250;

/**
 * History points (TrafficSplit.history) one answer may compute, all history fields together:
 * each is a stat-source call (PromQL queries in prometheus mode), so aliases must not multiply them.
 */
export const MAX_HISTORY_POINTS_PER_ANSWER = 240;

/** Why an answer was cut short, for the self metric (RefusalTally). */
export type AnswerLimit = 'answer-size';

export interface AnswerBudgetOptions {
  /** Splits plus backends one answer may list. */
  readonly maxItems: number;
  /** After this (ms since the epoch) the answer is abandoned. */
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
  readonly onLimit?: (limit: AnswerLimit) => void;
}

/** A fresh budget per answer: per query, and per tick of a subscription. */
export type AnswerBudgets = () => AnswerBudget;

export class AnswerBudget {
  readonly #options: AnswerBudgetOptions;
  readonly #now: () => number;
  #deadlineMs: number;
  #items = 0;
  #historyPoints = 0;
  #refused: GraphQLError | undefined;
  /** Resolves when the next slice may run; shared by every item handed out in that slice. */
  #slice: Promise<void> | undefined;
  #inSlice = 0;
  /** The latest turn handed out: turns follow one another, one per turn of the event loop. */
  #lastTurn: Promise<void> = Promise.resolve();

  constructor(options: AnswerBudgetOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#deadlineMs = options.deadlineMs;
  }

  /**
   * Gives the rest of the answer the whole time limit again from now: a subscription tick's
   * numbers wait for a slow reader, and only the completion that follows is bounded.
   */
  restartClock(): void {
    this.#deadlineMs = this.#now() + this.#options.timeoutMs;
  }

  /** Items counted so far. */
  get items(): number {
    return this.#items;
  }

  /** Why the answer was refused (too large, too late), once it was. */
  get refusal(): GraphQLError | undefined {
    return this.#refused;
  }

  /**
   * Counts `items` more entries of the answer and hands them out paced: the first ones at once,
   * then one slice per turn of the event loop. Throws ANSWER_TOO_LARGE when the budget is spent.
   */
  paced<T>(items: readonly T[]): (T | Promise<T>)[] {
    this.#take(items.length);
    return this.slices(items);
  }

  /** Hands out items already counted (chargeHistory) in the same slices as paced(). */
  slices<T>(items: readonly T[]): (T | Promise<T>)[] {
    return items.map((item) => {
      const slice = this.#sliceFor();
      return slice === undefined ? item : slice.then(() => item);
    });
  }

  /**
   * Lets other work run before an expensive step; rejects once the deadline has passed. Turns
   * are chained: fifteen aliases that all wait at once resume one per turn of the event loop,
   * not all in the same one.
   */
  async turn(): Promise<void> {
    this.#check();
    const mine = this.#lastTurn.then(() => nextTurn());
    this.#lastTurn = mine;
    await mine;
    this.#check();
  }

  /**
   * Counts a history of `points` points over splits that list `itemsPerPoint` splits and
   * backends: each point is an answer of that size. Throws ANSWER_TOO_LARGE past either limit.
   */
  chargeHistory(points: number, itemsPerPoint: number): void {
    this.#check();
    this.#historyPoints += points;
    if (this.#historyPoints > MAX_HISTORY_POINTS_PER_ANSWER) {
      this.#refuse(
        new GraphQLError(`the answer would compute more than ${MAX_HISTORY_POINTS_PER_ANSWER} history points (all history fields together); ask for fewer points (a longer step, fewer aliases)`, {
          extensions: { code: ANSWER_TOO_LARGE, http: { status: 422 } },
        }),
        'answer-size',
      );
    }
    this.#take(points * itemsPerPoint);
  }

  #take(count: number): void {
    this.#check();
    this.#items += count;
    if (this.#items <= this.#options.maxItems) return;
    this.#refuse(
      new GraphQLError(
        `the answer would list more than ${this.#options.maxItems} splits and backends; ask for fewer (namespace, name or label filters, fewer aliases), or raise --graphql-max-items`,
        { extensions: { code: ANSWER_TOO_LARGE, http: { status: 422 } } },
      ),
      'answer-size',
    );
  }

  /** The slice an item is completed in: undefined for the current one, else a turn ahead. */
  #sliceFor(): Promise<void> | undefined {
    this.#inSlice++;
    if (this.#inSlice <= ITEMS_PER_TURN) return this.#slice;
    this.#inSlice = 1;
    // Each slice waits for a turn of its own, after every turn handed out before it.
    this.#slice = this.turn();
    return this.#slice;
  }

  #check(): void {
    if (this.#refused !== undefined) throw this.#refused;
    // Counted by the request timer that answered the caller (use-request-timeout.ts), not here.
    if (this.#now() > this.#deadlineMs) this.#refuse(timeoutError(this.#options.timeoutMs));
  }

  #refuse(error: GraphQLError, limit?: AnswerLimit): never {
    this.#refused = error;
    if (limit !== undefined) this.#options.onLimit?.(limit);
    throw error;
  }
}
