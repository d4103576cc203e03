// Reading and checking the arguments the schema types only as strings: every mistake becomes a
// BAD_USER_INPUT error that quotes what was sent and says what would have been accepted.
import { DurationError, formatDuration, parseGoDuration } from '../../go/index.js';
import { LabelSelectorError, parseLabelSelector } from '../../splits/index.js';
import type { LabelSelector, SplitKindName } from '../../splits/index.js';
import type { SourceSelector, StatWindow } from '../../window/index.js';
import { COARSE_BUCKET_MS, DEFAULT_STAT_WINDOW, FINE_RETENTION_MS, MIN_WINDOW_MS, parseStatWindow, StatWindowError } from '../../window/index.js';
import { historyPointCount, MAX_HISTORY_POINTS } from '../../stats/index.js';
import type { HistoryShape } from '../../stats/index.js';
import type { ServerInfo } from '../context.js';
import { badUserInput } from './bad-user-input.js';

export const MIN_INTERVAL_MS = 1000;
/** Beyond this, setTimeout would overflow (2^31 ms) long before anyone needs such a pace. */
export const MAX_INTERVAL_MS = 3_600_000;

export interface ClientSelectorInput {
  readonly namespace?: string | null;
  readonly kind?: string | null;
  readonly name?: string | null;
}

/** The schema's default also applies when a client sends `window: null` explicitly. */
export function readWindow(text: string | null | undefined, info: ServerInfo): StatWindow {
  const window = text ?? DEFAULT_STAT_WINDOW;
  try {
    return parseStatWindow(window, info.maxWindowMs);
  } catch (error) {
    if (error instanceof StatWindowError) throw badUserInput(`window "${window}": ${error.message}`);
    throw error;
  }
}

/** A subscription's pace; without one, the scrape interval, since numbers change no faster. */
export function readInterval(text: string | null | undefined, info: ServerInfo): number {
  if (text == null) return Math.min(Math.max(info.scrapeIntervalMs, MIN_INTERVAL_MS), MAX_INTERVAL_MS);
  const ms = readDuration('interval', text);
  if (!(ms >= MIN_INTERVAL_MS)) throw badUserInput(`interval "${text}" is too short: the minimum is ${formatDuration(MIN_INTERVAL_MS)}`);
  if (ms > MAX_INTERVAL_MS) throw badUserInput(`interval "${text}" is too long: the maximum is ${formatDuration(MAX_INTERVAL_MS)}`);
  return ms;
}

export interface HistoryArgs {
  readonly range?: string | null;
  readonly step?: string | null;
  readonly window?: string | null;
}

export const DEFAULT_HISTORY_RANGE = '10m';
export const DEFAULT_HISTORY_STEP = '30s';

/** A history's points and each point's window, checked against what the server keeps. */
export interface HistoryRequest extends HistoryShape {
  readonly range: string;
  readonly step: string;
  readonly window: StatWindow;
}

/**
 * TrafficSplit.history's arguments: `step` ≥ the shortest window, at most MAX_HISTORY_POINTS
 * points, and the oldest point's window inside what the server keeps. In scrape mode, history
 * older than FINE_RETENTION_MS is kept per COARSE_BUCKET_MS, so windows reaching there must be
 * at least that long (shorter ones would alternate between a minute of traffic and none).
 */
export function readHistory(args: HistoryArgs, info: ServerInfo): HistoryRequest {
  const range = args.range ?? DEFAULT_HISTORY_RANGE;
  const step = args.step ?? DEFAULT_HISTORY_STEP;
  const rangeMs = readDuration('range', range);
  const stepMs = readDuration('step', step);
  if (!(stepMs >= MIN_WINDOW_MS)) throw badUserInput(`step "${step}" is too short: the minimum is ${formatDuration(MIN_WINDOW_MS)}`);
  if (!(rangeMs >= stepMs)) throw badUserInput(`range "${range}" is shorter than its step "${step}": a history needs at least one point`);
  const points = historyPointCount({ rangeMs, stepMs });
  if (points > MAX_HISTORY_POINTS) throw badUserInput(`range "${range}" at step "${step}" is ${points} points: the maximum is ${MAX_HISTORY_POINTS}; use a longer step`);
  // Each point covers `window` (by default its step, so points tile the range without overlap).
  const window = readWindow(args.window ?? step, info);
  const reachMs = (points - 1) * stepMs + window.ms;
  if (reachMs > info.maxWindowMs) {
    throw badUserInput(`range "${range}" with window "${window.text}" reaches back ${formatDuration(reachMs)}: this server keeps ${formatDuration(info.maxWindowMs)} (serverInfo.maxWindow)`);
  }
  if (info.source === 'scrape' && reachMs > FINE_RETENTION_MS && window.ms < COARSE_BUCKET_MS) {
    throw badUserInput(
      `range "${range}" with window "${window.text}" reaches back ${formatDuration(reachMs)}, but history older than ${formatDuration(FINE_RETENTION_MS)} is kept per ${formatDuration(COARSE_BUCKET_MS)}: use a window (or step) of at least ${formatDuration(COARSE_BUCKET_MS)}, or points whose windows all lie within the last ${formatDuration(FINE_RETENTION_MS)}`,
    );
  }
  return { range, step, rangeMs, stepMs, window };
}

export function readLabelSelector(text: string | null | undefined): LabelSelector | undefined {
  if (text == null) return undefined;
  try {
    return parseLabelSelector(text);
  } catch (error) {
    if (error instanceof LabelSelectorError) throw badUserInput(`labelSelector "${text}": ${error.message}`);
    throw error;
  }
}

const SPLIT_KIND_NAMES: readonly SplitKindName[] = ['TrafficSplit', 'HTTPRoute'];

/** `kind`: one of the split kinds, or every kind when not given. */
export function readSplitKind(text: string | null | undefined): SplitKindName | undefined {
  if (text == null) return undefined;
  const kind = SPLIT_KIND_NAMES.find((name) => name === text);
  if (kind === undefined) throw badUserInput(`kind "${text}": must be one of ${SPLIT_KIND_NAMES.map((name) => `"${name}"`).join(', ')}`);
  return kind;
}

/** GraphQL nulls become "not given": only the fields present must match the client. */
export function readClientSelector(input: ClientSelectorInput | null | undefined): SourceSelector | undefined {
  if (input == null) return undefined;
  return { namespace: input.namespace ?? undefined, kind: input.kind ?? undefined, name: input.name ?? undefined };
}

function readDuration(argument: string, text: string): number {
  try {
    return parseGoDuration(text);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    throw badUserInput(`${argument} "${text}" is not a duration (e.g. 30s, 5m, 1h): ${error.message.replace(/^time: /, '')}`);
  }
}
