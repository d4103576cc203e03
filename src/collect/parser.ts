// Prometheus text exposition (format 0.0.4) and OpenMetrics text parser, written for speed:
// every scrape interval turns megabytes of proxy output into samples, and most of those samples
// are thrown away. So the body is scanned in place with indexOf/charCodeAt (no per-line regex, no
// split of the whole body), and families the caller does not want are skipped before their
// labels are even looked at.
//
// This file is the parser proper: it walks the body line by line and decides what each line is
// (blank, comment, `# EOF`, sample) and in which order a sample's tokens come. Reading single
// tokens is exposition-lexer.ts; turning label pairs into the sample's label object, including
// the shortcut of taking over the previous line's leading labels, is label-builder.ts. The split
// follows Prometheus' model/textparse (lexer, parser, labels builder) so the grammar can be
// checked without wading through the speed tricks, and the tricks changed without touching it.
//
// Grammar follows what the Prometheus server accepts (its textparse lexers), not the stricter
// client library: whitespace may surround every token inside `{}`, a trailing comma is allowed,
// unknown escapes in label values are kept verbatim. Values are read as Go's strconv.ParseFloat
// reads them and timestamps as its ParseInt does (see ../go/parse-float.ts). Deliberate
// differences: hex and `_` in values are accepted (the server refuses them), a raw newline always
// ends a line (so a broken line can never swallow the next one), exemplars and `# EOF` are
// understood in both formats, a label name repeated within a line makes the line malformed, and
// UTF-8 quoted metric or label names (`{"my.metric"}`) are reported as malformed.

import {
  closingQuote,
  EscapeFinder,
  isBlank,
  isEofMarker,
  labelNameAt,
  labelNameEnd,
  metricNameAt,
  metricNameEnd,
  quotedValueAt,
  sampleValue,
  skipBlanks,
  timestampMs,
  tokenEnd,
  unescapeLabelValue,
} from './exposition-lexer.js';
import { isAscii } from 'node:buffer';
import { bodyPieces } from './body-pieces.js';
import type { ExpositionBody, PageBody } from './body-pieces.js';
import { detach, InternTable } from './intern.js';
import { LabelBuilder } from './label-builder.js';

export type ExpositionFormat = 'text' | 'openmetrics';

/** What the caller expects the page's next sample to be. */
export interface SeriesExpectation {
  /**
   * The series the caller expects as the `index`-th sample (0-based, counting samples passed to
   * the visitor). A line that starts with exactly that text is taken as that series without
   * reading its labels: its sample's `series` is the very string given, and its labels are read
   * only if asked for. Only ever give series text this parser produced for an accepted sample.
   */
  expectedSeries(index: number): string | undefined;
  /**
   * For a page given as bytes: the bytes of the text expectedSeries(index) gives at that moment,
   * or undefined. A line made of exactly those bytes, one space, a value of plain decimal digits
   * and its line break is that series' sample, read without the line becoming text; any other
   * line is read as text. Gives the same samples as the text path (parser.test.ts).
   */
  expectedBytes(index: number): Buffer | undefined;
}

export interface ParseOptions {
  /**
   * Called once per distinct metric name as written on sample lines (`response_latency_ms_bucket`,
   * not the family name); false skips those samples without reading their labels or values. The
   * answers are kept from one parse to the next for as long as the same function is given (up to
   * MAX_KEPT_METRIC_NAMES names), so it must answer the same for a name every time.
   */
  acceptMetric?: ((metricName: string) => boolean) | undefined;
  /** Only changes how timestamps are read: milliseconds (text) or seconds (OpenMetrics). */
  format?: ExpositionFormat | undefined;
  /** How many problems to describe in the report (all are counted). Default 10. */
  maxProblems?: number | undefined;
  /**
   * The series the caller expects on each line (see SeriesExpectation), typically the one at that
   * place on the same target's previous page. An object rather than two functions, so that the
   * scrape engine passes the target's counters themselves instead of two new closures per page.
   */
  expected?: SeriesExpectation | undefined;
  /**
   * The caller has found a page given as bytes to be all ASCII (PageReader.read() has, for every
   * page it gives as bytes), so the parser need not look again. Only say so when it is true:
   * the bytes of a page taken for ASCII are read in place, without the UTF-8 checks.
   */
  asciiBytes?: boolean | undefined;
}

/**
 * A page as text (whole or in line-aligned pieces), or as its bytes. Bytes are read in place
 * where they are what the caller expects (see SeriesExpectation.expectedBytes), and as text elsewhere;
 * bytes that are not ASCII are decoded as UTF-8 first.
 */
export type ExpositionInput = string | PageBody;

export interface Sample {
  /** Metric name as written on the line, suffix included (`response_latency_ms_bucket`). */
  readonly name: string;
  /**
   * Label values unescaped. A fresh object per sample, so it may be kept; the strings in it are
   * shared between samples and do not reference the parsed body. Look up arbitrary names with
   * Object.hasOwn: the object has the usual prototype.
   */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the epoch when the line carried a timestamp. */
  readonly timestampMs: number | undefined;
  /**
   * The metric name plus the label block exactly as written (`name{a="1",b="2"}`, or just the name
   * when there are no labels): a stable identity for the series within one target.
   */
  readonly series: string;
}

/**
 * Called once per accepted sample. The sample object is the visitor's for the call only (a sample
 * read as the expected series is one object refilled line after line): keep its fields, which
 * may all be kept, not the object.
 */
export type SampleVisitor = (sample: Sample) => void;

export interface ParseReport {
  /** Samples passed to the visitor. */
  samples: number;
  /** Sample lines of metrics that acceptMetric declined (not checked further). */
  skipped: number;
  /** Lines that were neither samples, comments nor blank; each was skipped. */
  malformed: number;
  /** Descriptions of the first malformed lines, with 1-based line numbers. */
  problems: string[];
}

// Punctuation of the line grammar; names, values and blanks are the lexer's.
const CR = 0x0d;
const QUOTE = 0x22;
const HASH = 0x23;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const BRACE_OPEN = 0x7b;
const BRACE_CLOSE = 0x7d;

interface MetricEntry {
  readonly key: string;
  readonly accepted: boolean;
}

/** Why a line was rejected; the message goes into ParseReport.problems. */
type LineError = string;

/**
 * Parses an exposition body, calling `onSample` for every accepted sample in order. Never throws
 * for bad input (exceptions from `onSample` propagate); bad lines are counted and skipped.
 */
export function parseExposition(text: ExpositionInput, onSample: SampleVisitor, options: ParseOptions = {}): ParseReport {
  // A parse inside a visitor (labelsOfSeries) finds no idle reader and makes its own.
  const reader = idle.reader ?? new ExpositionReader();
  idle.reader = undefined;
  try {
    return reader.run(text, onSample, options);
  } finally {
    reader.release();
    idle.reader = reader;
  }
}

/** Metric names whose acceptMetric answers a reader keeps between parses; past it they are asked again. */
export const MAX_KEPT_METRIC_NAMES = 4096;

/** Picks the parse format from a response's Content-Type header. */
export function formatFromContentType(contentType: string | null | undefined): ExpositionFormat {
  return contentType?.trimStart().toLowerCase().startsWith('application/openmetrics-text') === true
    ? 'openmetrics'
    : 'text';
}

// One reader serves parse after parse: a scrape engine parses hundreds of pages a cycle, and a
// reader with its tables made anew for each was a tenth of what a cycle allocated. Keeping it
// also keeps its object layout: the engine forgets a layout once no object has it, and then
// throws away the compiled code specialised for it, so a reader made anew after a full garbage
// collection between two scrapes ran cold (several times slower). The label objects' layouts
// are kept alive by label-builder.ts.
const idle: { reader: ExpositionReader | undefined } = { reader: undefined };

function ignoreSample(): void {
  // Stands in for the caller's visitor once a parse is over, so it can be garbage collected.
}

/**
 * A sample whose line was the expected series' text: its labels are read from that when asked.
 * One per reader, refilled for every such line, so that a page of known lines (nearly every line
 * of a proxy's page after the first scrape) allocates nothing per line: at a few hundred thousand
 * lines per cycle, a fresh object each would be most of what the young generation collects.
 */
class KnownSample implements Sample {
  series = '';
  value = 0;
  timestampMs: number | undefined = undefined;
  #labels: Readonly<Record<string, string>> | undefined;

  /** This sample, now the line of `series` with `value`. */
  refill(series: string, value: number, timestampMs: number | undefined): this {
    this.series = series;
    this.value = value;
    this.timestampMs = timestampMs;
    this.#labels = undefined;
    return this;
  }

  get name(): string {
    return this.series.slice(0, metricNameEnd(this.series, 0, this.series.length));
  }

  get labels(): Readonly<Record<string, string>> {
    this.#labels ??= labelsOfSeries(this.series);
    return this.#labels;
  }
}

/** Whether the line at `at` starts with the series `known` and the space before its value. */
function startsWithSeries(bytes: Buffer, at: number, known: Buffer): boolean {
  const keyEnd = at + known.length;
  return keyEnd < bytes.length && bytes[keyEnd] === SPACE && known.compare(bytes, at, keyEnd) === 0;
}

/**
 * Whether the line goes on at `at` with digits, maybe a fraction (`12`, `0.25`), and then ends:
 * a value every reader takes, with no timestamp, blank or carriage return after it.
 */
function isPlainDecimalLine(bytes: Buffer, at: number): boolean {
  const length = bytes.length;
  let p = at;
  while (p < length && (bytes[p] as number) >= DIGIT_0 && (bytes[p] as number) <= DIGIT_9) p++;
  if (p === at) return false;
  if (p < length && bytes[p] === DOT) {
    const fraction = ++p;
    while (p < length && (bytes[p] as number) >= DIGIT_0 && (bytes[p] as number) <= DIGIT_9) p++;
    if (p === fraction) return false;
  }
  return p === length || bytes[p] === NEWLINE;
}

/** Where the line after the one at `start` begins (the length at the last line). */
function lineAfter(bytes: Buffer, start: number): number {
  const newline = bytes.indexOf(NEWLINE, start);
  return newline === -1 ? bytes.length : newline + 1;
}

/** The labels of a series text as the parser wrote it (`name{a="1"}`). */
function labelsOfSeries(series: string): Readonly<Record<string, string>> {
  let labels: Readonly<Record<string, string>> = {};
  parseExposition(`${series} 0`, (sample) => {
    labels = sample.labels;
  });
  return labels;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Digits of a value read in place: up to 15 are an exact integer (below 2^53). */
const MAX_PLAIN_DIGITS = 15;
const EOF_MARKER = '# EOF';
const EOF_BYTES = Buffer.from(EOF_MARKER, 'latin1');
/** Longest metric name looked for in place; longer ones are read as text. */
const MAX_NAME_BYTES = 256;

class ExpositionReader {
  #pieces: ExpositionBody = [];
  /** An ASCII page read as bytes, or undefined when the page is text. */
  #bytes: Buffer | undefined;
  #text = '';
  #onSample: SampleVisitor = ignoreSample;
  /** The last parse's acceptMetric, kept (see release()) to tell whether #metrics still holds. */
  #accept: ((metricName: string) => boolean) | undefined;
  #expected: SeriesExpectation | undefined;
  #openMetrics = false;
  #maxProblems = 10;
  #report: ParseReport = { samples: 0, skipped: 0, malformed: 0, problems: [] };

  readonly #metrics = new InternTable<MetricEntry>((key) => ({ key, accepted: this.#accept?.(key) ?? true }));
  readonly #labels = new LabelBuilder();
  readonly #escapes = new EscapeFinder();
  readonly #known = new KnownSample();
  /** Where, in the page's bytes, the name of the last line #declinedLine skipped is. */
  readonly #lastDeclined = { start: 0, end: 0 };

  /** The metric name of the last sample line, skipped or not: the next line's likely name. */
  #lastMetric: MetricEntry | undefined;
  /** The metric name of the last sample line that got as far as its labels. */
  #prevMetric: MetricEntry | undefined;

  #line = 0;
  #eof = false;
  /** Why #labelSet gave up, when it returns -1. */
  #problem: LineError = '';
  /** The value and timestamp of the line just read (#valueAndTimestamp). */
  #value = 0;
  #timestamp: number | undefined;

  run(text: ExpositionInput, onSample: SampleVisitor, options: ParseOptions): ParseReport {
    this.#report = { samples: 0, skipped: 0, malformed: 0, problems: [] };
    this.#line = 0;
    this.#eof = false;
    if (Buffer.isBuffer(text)) {
      const ascii = options.asciiBytes === true || isAscii(text);
      this.#bytes = ascii ? text : undefined;
      this.#pieces = ascii ? [] : (bodyPieces([text]) ?? [text.toString('utf8')]);
    } else {
      this.#pieces = typeof text === 'string' ? [text] : text;
    }
    this.#onSample = onSample;
    this.#openMetrics = options.format === 'openmetrics';
    this.#maxProblems = options.maxProblems ?? 10;
    // The answers of another function, or too many names, are not kept.
    if (options.acceptMetric !== this.#accept || this.#metrics.size > MAX_KEPT_METRIC_NAMES) this.#metrics.clear();
    this.#accept = options.acceptMetric;
    this.#expected = options.expected;
    if (this.#bytes !== undefined) {
      this.#runBytes(this.#bytes);
      return this.#report;
    }
    this.#runPieces(this.#pieces);
    return this.#report;
  }

  /** Line-aligned pieces in order, until `# EOF`. */
  #runPieces(pieces: ExpositionBody): void {
    this.#pieces = pieces;
    for (let piece = 0; piece < pieces.length && !this.#eof; piece++) this.#runPiece(pieces[piece] ?? '');
  }

  /**
   * A page as bytes: each line that is the expected series with a plain value is read in place;
   * every run of other lines becomes text and is read as such (the text path's own expectations
   * included), so the samples are the text path's, in its order.
   */
  #runBytes(bytes: Buffer): void {
    const length = bytes.length;
    let start = 0;
    while (start < length && !this.#eof) {
      const known = this.#expected?.expectedBytes(this.#report.samples);
      if (known !== undefined) {
        const next = this.#knownLine(bytes, start, known);
        if (next >= 0) {
          start = next;
          continue;
        }
      }
      const skipped = bytes[start] === HASH ? this.#commentLine(bytes, start) : this.#declinedLine(bytes, start);
      start = skipped >= 0 ? skipped : this.#textRun(bytes, start, known);
    }
  }

  /**
   * The line at `start`, which begins with `#`, if it is a comment (HELP, TYPE or any other) as
   * the text path reads it: the next line's start, the line never becoming text. `# EOF` gives
   * -1, for the text path to end the page.
   */
  #commentLine(bytes: Buffer, start: number): number {
    if (EOF_BYTES.compare(bytes, start, Math.min(bytes.length, start + EOF_BYTES.length)) === 0) return -1;
    this.#line++;
    return lineAfter(bytes, start);
  }

  /**
   * The line at `start` if it is a sample of a metric the caller declines (a family the page has
   * beside the ones wanted, or `_count` among them), with labels or, without them, with one space
   * and a plain decimal value (`process_cpu_seconds_total 12.5`): counted as skipped, and the
   * next line's start returned, as the text path would. Otherwise -1, and nothing happened.
   */
  #declinedLine(bytes: Buffer, start: number): number {
    const limit = Math.min(bytes.length, start + MAX_NAME_BYTES);
    let p = start;
    let c = bytes[p];
    while (p < limit && c !== BRACE_OPEN && c !== SPACE && c !== NEWLINE) c = bytes[++p];
    if (p === start || (c !== BRACE_OPEN && !(c === SPACE && isPlainDecimalLine(bytes, p + 1)))) return -1;
    // A declined family's lines come in a run: the name of the last one declined is compared in
    // place, and only another name becomes text to be looked up.
    const last = this.#lastDeclined;
    const sameAsLast = last.end - last.start === p - start && bytes.compare(bytes, last.start, last.end, start, p) === 0;
    if (!sameAsLast) {
      const name = bytes.toString('latin1', start, p);
      if (metricNameEnd(name, 0, name.length) !== name.length || this.#metrics.get(name, 0, name.length).accepted) return -1;
      last.start = start;
      last.end = p;
    }
    this.#line++;
    this.#report.skipped++;
    return lineAfter(bytes, p);
  }

  /**
   * The line at `start` if it is `known`, one space, plain digits and its line break: its sample
   * is passed on and the next line's start returned. Otherwise -1, and nothing happened.
   */
  #knownLine(bytes: Buffer, start: number, known: Buffer): number {
    if (!startsWithSeries(bytes, start, known)) return -1;
    const keyEnd = start + known.length;
    let p = keyEnd + 1;
    let value = 0;
    let c = bytes[p] ?? NEWLINE;
    while (c >= DIGIT_0 && c <= DIGIT_9) {
      value = value * 10 + (c - DIGIT_0);
      c = bytes[++p] ?? NEWLINE;
    }
    const digits = p - keyEnd - 1;
    if (digits === 0 || digits > MAX_PLAIN_DIGITS || c !== NEWLINE) return -1;
    const series = this.#expected?.expectedSeries(this.#report.samples);
    // The caller's text and bytes must name the same series; if not, the line is read as text.
    if (series === undefined || series.length !== known.length) return -1;
    this.#line++;
    // What the builder remembers as the previous line is not this one.
    this.#labels.forget();
    this.#prevMetric = undefined;
    this.#report.samples++;
    this.#onSample(this.#known.refill(series, value, undefined));
    return p + 1;
  }

  /**
   * Reads as text the lines from `start` up to the next one that begins with `known` and a space
   * (or to the end), at least one line; returns where it stopped. A run with `# EOF` in it goes
   * on to the end of the page, where the text path counts what follows the marker.
   */
  #textRun(bytes: Buffer, start: number, known: Buffer | undefined): number {
    const length = bytes.length;
    let stop = known === undefined ? length : lineAfter(bytes, start);
    while (known !== undefined && stop < length && !startsWithSeries(bytes, stop, known)) stop = lineAfter(bytes, stop);
    if (stop < length && bytes.subarray(start, stop).includes(EOF_MARKER)) stop = length;
    this.#runPieces(bodyPieces([bytes.subarray(start, stop)]) ?? []);
    return stop;
  }

  /** One line-aligned piece of the body; no line of it continues in the next one. */
  #runPiece(text: string): void {
    this.#text = text;
    // Positions the helpers remember refer to the previous piece.
    this.#escapes.reset();
    this.#labels.forget();
    const length = text.length;
    let start = 0;
    while (start < length) {
      this.#line++;
      let newline = text.indexOf('\n', start);
      if (newline === -1) newline = length;
      const end = newline > start && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
      const error = this.#parseLine(start, end);
      if (error !== undefined) {
        this.#labels.forget();
        this.#malformed(start, end, error);
      }
      start = newline + 1;
      if (this.#eof) {
        this.#afterEof(start);
        break;
      }
    }
  }

  /**
   * Lets go of everything that belongs to this parse (the body, the caller's callbacks, the label
   * tables) while the reader object itself is kept (see idle). The acceptMetric function and its
   * answers stay, for the next parse given the same function.
   */
  release(): void {
    this.#text = '';
    this.#pieces = [];
    this.#bytes = undefined;
    this.#lastDeclined.start = this.#lastDeclined.end = 0;
    this.#expected = undefined;
    this.#onSample = ignoreSample;
    this.#known.refill('', 0, undefined);
    this.#labels.release();
    this.#lastMetric = undefined;
    this.#prevMetric = undefined;
  }

  #malformed(start: number, end: number, reason: LineError): void {
    const report = this.#report;
    report.malformed++;
    if (report.problems.length < this.#maxProblems) {
      const excerpt = this.#text.slice(start, Math.min(end, start + 80));
      report.problems.push(`line ${this.#line}: ${reason}: ${JSON.stringify(excerpt)}${end - start > 80 ? '…' : ''}`);
    }
  }

  /** OpenMetrics ends at `# EOF`; anything after it is reported once and not parsed. */
  #afterEof(from: number): void {
    const pieces = this.#pieces;
    let firstLine = 0;
    let count = 0;
    for (let piece = pieces.indexOf(this.#text), start = from; piece < pieces.length; piece++, start = 0) {
      const text = pieces[piece] ?? '';
      while (start < text.length) {
        this.#line++;
        let newline = text.indexOf('\n', start);
        if (newline === -1) newline = text.length;
        if (text.slice(start, newline).trim() !== '') {
          if (count === 0) firstLine = this.#line;
          count++;
        }
        start = newline + 1;
      }
    }
    if (count > 0) {
      this.#report.malformed += count;
      if (this.#report.problems.length < this.#maxProblems) {
        this.#report.problems.push(`line ${firstLine}: ${count} line(s) after # EOF ignored`);
      }
    }
  }

  /** text[lineStart, end) is one line without its line break. */
  #parseLine(lineStart: number, end: number): LineError | undefined {
    const text = this.#text;
    const p = skipBlanks(text, lineStart, end);
    if (p >= end) return undefined; // blank line
    if (text.charCodeAt(p) === HASH) {
      // HELP, TYPE and other comments carry nothing a sample needs.
      if (isEofMarker(text, p, end)) this.#eof = true;
      return undefined;
    }
    return this.#sample(p, end);
  }

  /**
   * `name [{labels}] value [timestamp] [# exemplar]`, the exemplar ignored; `nameStart` is at the
   * name's first character.
   */
  #sample(nameStart: number, end: number): LineError | undefined {
    const text = this.#text;
    const expected = this.#expected?.expectedSeries(this.#report.samples);
    if (expected !== undefined && this.#isSeries(expected, nameStart, end)) return this.#knownSample(expected, nameStart + expected.length, end);
    const labels = this.#labels;
    let p = nameStart;
    let brace = -1;
    let reused = 0;

    let metric = this.#prevMetric;
    if (metric !== undefined && (reused = labels.sharedPrefix(text, p, end, true, this.#line)) > 0) {
      // Same name and leading labels as the previous line: continue after the last shared value.
      brace = nameStart + labels.previousBrace;
      p = brace + labels.prefixEnd(reused);
      this.#lastMetric = metric;
    } else {
      metric = this.#lastMetric;
      if (metric !== undefined && metricNameAt(text, p, metric.key)) {
        p += metric.key.length;
      } else {
        const nameEnd = metricNameEnd(text, p, end);
        if (nameEnd === p) return 'invalid metric name';
        metric = this.#metrics.get(text, p, nameEnd);
        this.#lastMetric = metric;
        p = nameEnd;
      }
      if (p < end) {
        const c = text.charCodeAt(p);
        if (!isBlank(c) && c !== BRACE_OPEN) return 'invalid character in metric name';
      }
      if (!metric.accepted) {
        // Declined lines are not read further, except that a line without labels must go on with
        // a value: a line of words ("Please sign in to continue") is no sample of a declined
        // metric. Counted as skipped, the prose of an HTML or text page served with a 200 outweighed
        // its malformed tag lines, and the page was taken as a scrape (and any sample in it).
        const q = skipBlanks(text, p, end);
        if (q >= end) return 'missing value';
        if (text.charCodeAt(q) !== BRACE_OPEN && sampleValue(text, q, tokenEnd(text, q, end)) === undefined) return 'invalid value';
        this.#report.skipped++;
        return undefined;
      }
      p = skipBlanks(text, p, end);
      if (p < end && text.charCodeAt(p) === BRACE_OPEN) {
        brace = p;
        // A different name (`_count` after `_bucket`) may still share the leading labels.
        if (metric !== this.#prevMetric) reused = labels.sharedPrefix(text, p, end, false, this.#line);
        p = reused > 0 ? brace + labels.prefixEnd(reused) : p + 1;
      }
    }
    // From here on the builder's previous line describes this line as far as it has been read.
    this.#prevMetric = metric;
    labels.begin(reused);

    let seriesEnd = -1;
    if (brace >= 0) {
      p = this.#labelSet(p, end, brace, reused > 0);
      if (p < 0) return this.#problem;
      seriesEnd = p;
      p = skipBlanks(text, p, end);
    }

    const error = this.#valueAndTimestamp(p, end);
    if (error !== undefined) return error;

    const series = labels.length === 0 ? metric.key : detach(text.slice(nameStart, seriesEnd));
    const sampleLabels = labels.finish(nameStart, brace);
    this.#report.samples++;
    this.#onSample({ name: metric.key, labels: sampleLabels, value: this.#value, timestampMs: this.#timestamp, series });
    return undefined;
  }

  /**
   * Whether the line at `nameStart` is the series `expected`: its text, then no more of a name or
   * a label set. Such a line reads exactly as `expected` did when it was parsed in full.
   */
  #isSeries(expected: string, nameStart: number, end: number): boolean {
    const text = this.#text;
    const keyEnd = nameStart + expected.length;
    if (keyEnd > end || text.slice(nameStart, keyEnd) !== expected) return false;
    if (expected.charCodeAt(expected.length - 1) === BRACE_CLOSE) return true;
    // A name alone: the line's name must end there, and no label set may follow.
    if (keyEnd < end && !isBlank(text.charCodeAt(keyEnd))) return false;
    const p = skipBlanks(text, keyEnd, end);
    return p >= end || text.charCodeAt(p) !== BRACE_OPEN;
  }

  /** The rest of a line whose series text is `series`, from `p` just past it. */
  #knownSample(series: string, p: number, end: number): LineError | undefined {
    // What the builder remembers as the previous line is not this one.
    this.#labels.forget();
    this.#prevMetric = undefined;
    const error = this.#valueAndTimestamp(skipBlanks(this.#text, p, end), end);
    if (error !== undefined) return error;
    this.#report.samples++;
    this.#onSample(this.#known.refill(series, this.#value, this.#timestamp));
    return undefined;
  }

  /** `value [timestamp] [# exemplar]` from `p` (at the value) to the line's end, the exemplar ignored. */
  #valueAndTimestamp(p: number, end: number): LineError | undefined {
    const text = this.#text;
    if (p >= end) return 'missing value';
    const valueEnd = tokenEnd(text, p, end);
    const value = sampleValue(text, p, valueEnd);
    if (value === undefined) return 'invalid value';

    // Optional timestamp, then optionally an exemplar (`# {…} value [timestamp]`), ignored.
    p = skipBlanks(text, valueEnd, end);
    let timestamp: number | undefined;
    if (p < end && text.charCodeAt(p) !== HASH) {
      const timestampEnd = tokenEnd(text, p, end);
      timestamp = timestampMs(text, p, timestampEnd, this.#openMetrics);
      if (timestamp === undefined) return 'invalid timestamp';
      p = skipBlanks(text, timestampEnd, end);
    }
    if (p < end && text.charCodeAt(p) !== HASH) return 'unexpected text after sample';
    this.#value = value;
    this.#timestamp = timestamp;
    return undefined;
  }

  /**
   * The label pairs inside `{}`, handed to the builder one by one. `p` is just past the `{`, or,
   * with `afterValue`, just past the last value of a prefix taken over from the previous line.
   * Returns the position past the `}`, or -1 with the reason in #problem.
   */
  #labelSet(p: number, end: number, brace: number, afterValue: boolean): number {
    const text = this.#text;
    const labels = this.#labels;
    const line = this.#line;
    let separatorDue = afterValue;
    for (;;) {
      if (separatorDue) {
        p = skipBlanks(text, p, end);
        const c = text.charCodeAt(p);
        if (c === COMMA && p < end) p++;
        else if (c === BRACE_CLOSE && p < end) return p + 1;
        else return this.#fail('expected "," or "}" after label value');
      }
      separatorDue = true;
      p = skipBlanks(text, p, end);
      if (p >= end) return this.#fail('unterminated label set');
      if (text.charCodeAt(p) === BRACE_CLOSE) return p + 1;

      // Label name: the previous line's at this position, or scanned and interned.
      let name = labels.expectedName();
      if (name !== undefined && labelNameAt(text, p, name.key)) {
        p += name.key.length;
      } else {
        const nameEnd = labelNameEnd(text, p, end);
        if (nameEnd === p) return this.#fail('invalid label name');
        name = labels.internName(text, p, nameEnd);
        p = nameEnd;
      }
      p = skipBlanks(text, p, end);
      if (p >= end || text.charCodeAt(p) !== EQUALS) return this.#fail('expected "=" after label name');
      p = skipBlanks(text, p + 1, end);
      if (p >= end || text.charCodeAt(p) !== QUOTE) return this.#fail('expected quoted label value');
      p++;

      // Label value: the previous line's at this position if the text matches up to a quote,
      // else read up to the closing quote (the slow path only when there are escapes).
      let value: string;
      let plain: string | undefined;
      const predicted = labels.expectedValue();
      if (predicted !== undefined && quotedValueAt(text, p, end, predicted)) {
        value = plain = predicted;
        p += predicted.length + 1;
      } else {
        const close = closingQuote(text, p, end);
        if (close < 0) return this.#fail('unterminated label value');
        if (this.#escapes.anyBefore(text, p, close)) {
          const escaped = unescapeLabelValue(text, p, end);
          if (escaped === undefined) return this.#fail('unterminated label value');
          value = detach(escaped.value);
          plain = undefined;
          p = escaped.next;
        } else {
          value = plain = labels.internValue(text, p, close);
          p = close + 1;
        }
      }
      if (!labels.add(name, value, plain, p - brace, line)) return this.#fail(`duplicate label ${JSON.stringify(name.key)}`);
    }
  }

  #fail(problem: LineError): number {
    this.#problem = problem;
    return -1;
  }
}
