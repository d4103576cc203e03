// The stat window: how far back the numbers look. One value, parsed and checked in one place, then
// carried everywhere as { text, ms }: the CLI's --time-window, GraphQL's `window` argument and the
// stat sources all mean the same thing by it and refuse the same windows with the same words.
import { DurationError, formatDuration, parseGoDuration } from '../go/index.js';
import type { Duration } from '../go/index.js';

/** The text is echoed in answers and passed verbatim into PromQL, as Linkerd viz did. */
export type StatWindow = Duration;

/** Linkerd's default (`stat -t`), and the GraphQL schema's. */
export const DEFAULT_STAT_WINDOW = '1m';

/** Linkerd refused windows below 15 s: fewer than two Prometheus scrapes make no rate. */
export const MIN_WINDOW_MS = 15_000;

export type StatWindowProblem = 'syntax' | 'too-short' | 'too-long';

export class StatWindowError extends RangeError {
  override readonly name = 'StatWindowError';

  constructor(
    readonly problem: StatWindowProblem,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a window written in Go duration syntax and checks it against the limits. `maxMs` is how
 * much history the answering side keeps (scrape mode), unbounded when the numbers come from a
 * Prometheus.
 */
export function parseStatWindow(text: string, maxMs = Number.POSITIVE_INFINITY): StatWindow {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    throw new StatWindowError('syntax', `${error.message} (use Go duration syntax: 30s, 1m, 1m30s, 1h)`);
  }
  const window = { text, ms };
  checkStatWindow(window, maxMs);
  return window;
}

/** The range check alone, for a window parsed elsewhere against a limit known only later. */
export function checkStatWindow(window: StatWindow, maxMs = Number.POSITIVE_INFINITY): void {
  // Linkerd's own words for a short window (SPEC-stat-ts.md §1): scripts match on them.
  if (!(window.ms >= MIN_WINDOW_MS)) throw new StatWindowError('too-short', 'metrics time window needs to be at least 15s');
  if (window.ms > maxMs) {
    throw new StatWindowError('too-long', `metrics time window can be at most ${formatDuration(maxMs)}: that is all the history this server keeps`);
  }
}
