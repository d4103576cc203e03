// Prometheus text exposition (format 0.0.4) and OpenMetrics text parser, written for speed:
// every scrape interval turns megabytes of proxy output into samples, and most of those samples
// are thrown away. So the body is scanned in place with indexOf/charCodeAt (no per-line regex, no
// split of the whole body), names and label values are interned (see intern.ts), and families the
// caller does not want are skipped before their labels are even looked at.
//
// The biggest saving comes from how exporters write: consecutive lines usually share all but their
// last label or two (26 histogram buckets differ only in `le`). Each line is first compared, as one
// native string comparison, with the previous line's text up to the end of one of its last label
// values; on a match those labels are copied instead of re-scanned character by character.
//
// Grammar follows what the Prometheus server accepts (its textparse lexers), not the stricter
// client library: whitespace may surround every token inside `{}`, a trailing comma is allowed,
// unknown escapes in label values are kept verbatim. Values are read as Go's strconv.ParseFloat
// reads them and timestamps as its ParseInt does (see go-float.ts). Deliberate differences: hex
// and `_` in values are accepted (the server refuses them), a raw newline always ends a line (so
// a broken line can never swallow the next one), exemplars and `# EOF` are understood in both
// formats, a label name repeated within a line makes the line malformed, and UTF-8 quoted
// metric or label names (`{"my.metric"}`) are reported as malformed.

import { parseGoFloat, parseGoInt64 } from '../go/index.js';
import { canonicalKey, detach, finishHash, hashStep, InternTable, regionEquals } from './intern.js';

export type ExpositionFormat = 'text' | 'openmetrics';

export interface ParseOptions {
  /**
   * Called once per distinct metric name as written on sample lines (`response_latency_ms_bucket`,
   * not the family name); false skips those samples without reading their labels or values.
   */
  acceptMetric?: ((metricName: string) => boolean) | undefined;
  /** Only changes how timestamps are read: milliseconds (text) or seconds (OpenMetrics). */
  format?: ExpositionFormat | undefined;
  /** How many problems to describe in the report (all are counted). Default 10. */
  maxProblems?: number | undefined;
}

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

// Character codes.
const TAB = 0x09;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const HASH = 0x23;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const LOWER_N = 0x6e;
const BRACE_OPEN = 0x7b;
const BRACE_CLOSE = 0x7d;

// Character classes for names, by table lookup.
const LABEL_START = 1;
const LABEL_CHAR = 2;
const METRIC_START = 4;
const METRIC_CHAR = 8;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  const digit = c >= ZERO && c <= NINE;
  const colon = c === 0x3a;
  CHAR_CLASS[c] =
    (letter ? LABEL_START | LABEL_CHAR | METRIC_START | METRIC_CHAR : 0) |
    (digit ? LABEL_CHAR | METRIC_CHAR : 0) |
    (colon ? METRIC_START | METRIC_CHAR : 0);
}

/**
 * The range check comes first on purpose: charCodeAt returns NaN past the end, and indexing a
 * typed array with NaN is a property lookup by the name "NaN" that slows every access down.
 */
function charClass(c: number): number {
  return c < 128 ? (CHAR_CLASS[c] ?? 0) : 0;
}

/** At most this many digits fit a double exactly, so the integer fast path stays exact. */
const MAX_FAST_DIGITS = 15;
const NO_BACKSLASH = Number.MAX_SAFE_INTEGER;

interface MetricEntry {
  readonly key: string;
  readonly accepted: boolean;
}

interface LabelNameEntry {
  readonly key: string;
  /** Small sequential number, for spreading work over copy sites (see copyLabels). */
  readonly id: number;
  /** Line number this label was last set on, to reject duplicates without a lookup. */
  lastLine: number;
  /** `__proto__` must be defined, not assigned, or it would replace the object's prototype. */
  readonly needsDefine: boolean;
}

interface LabelValueEntry {
  readonly key: string;
}

/** Why a line was rejected; the message goes into ParseReport.problems. */
type LineError = string;

/**
 * Parses an exposition body, calling `onSample` for every accepted sample in order. Never throws
 * for bad input (exceptions from `onSample` propagate); bad lines are counted and skipped.
 */
export function parseExposition(text: string, onSample: SampleVisitor, options: ParseOptions = {}): ParseReport {
  const reader = new ExpositionReader(text, onSample, options);
  try {
    return reader.run();
  } finally {
    reader.release();
    keptAlive.reader = reader;
  }
}

/** Picks the parse format from a response's Content-Type header. */
export function formatFromContentType(contentType: string | null | undefined): ExpositionFormat {
  return contentType?.trimStart().toLowerCase().startsWith('application/openmetrics-text') === true
    ? 'openmetrics'
    : 'text';
}

// The engine forgets an object layout once no object has it, and then throws away the compiled
// code that was specialised for it. A reader's own layout and the label layouts would all be gone
// after every full garbage collection between two scrapes, making the next parse run cold (several
// times slower). Keeping the last reader (emptied) and one label object per recent layout alive
// keeps those layouts, for a few kilobytes.
const keptAlive: { reader: ExpositionReader | undefined } = { reader: undefined };
const LIVE_LAYOUTS = new Array<Record<string, string> | undefined>(256);

function ignoreSample(): void {
  // Stands in for the caller's visitor once a parse is over, so it can be garbage collected.
}

class ExpositionReader {
  #text: string;
  #onSample: SampleVisitor;
  #accept: ((metricName: string) => boolean) | undefined;
  readonly #openMetrics: boolean;
  readonly #maxProblems: number;
  readonly #report: ParseReport = { samples: 0, skipped: 0, malformed: 0, problems: [] };

  readonly #metrics = new InternTable<MetricEntry>((key) => ({ key, accepted: this.#accept?.(key) ?? true }));
  #labelNameCount = 0;
  readonly #labelNames = new InternTable<LabelNameEntry>(
    (key): LabelNameEntry => ({
      key: canonicalKey(key),
      id: this.#labelNameCount++,
      lastLine: 0,
      needsDefine: key === '__proto__',
    }),
  );
  readonly #labelValues = new InternTable<LabelValueEntry>((key) => ({ key }));

  /** The metric name of the last sample line, skipped or not: the next line's likely name. */
  #lastMetric: MetricEntry | undefined;

  // The previous line, label by label. Entries past the last complete line's count, and all of
  // them after a malformed line, are only guesses: they are always checked against the text.
  #prevMetric: MetricEntry | undefined;
  /** Where the previous sample line's name started, and its `{` relative to that (-1: none). */
  #prevStart = 0;
  #prevBrace = -1;
  /** How many labels the previous line had; 0 also when it was not a valid accepted sample. */
  #prevCount = 0;
  readonly #prevNames: LabelNameEntry[] = [];
  readonly #prevValues: string[] = [];
  /** The value as written, when it had no escapes (so text equal to it means the same value). */
  readonly #prevPlain: (string | undefined)[] = [];
  /**
   * Offset from the `{` just past each label value's closing quote. Relative to the brace, not
   * the line, so the offsets stay right for a line whose name differs in length (`_count`).
   */
  readonly #prevEnds: number[] = [];
  /**
   * The label object of the last line whose labels were built from scratch, the first
   * `#templateValid` of whose values the previous line shares. A line with the same label names
   * is built by copying it and overwriting the values from there on: one copy plus a store or two,
   * where adding each property (or adding to a copy, or copying a copy) costs several times more.
   */
  #template: Record<string, string> | undefined;
  #templateValid = 0;
  #templateSite = 0;

  /**
   * Position of the next backslash at or after the last value scanned (NO_BACKSLASH: none left).
   * Kept across lines so that a body without escapes is searched for backslashes only once.
   */
  #nextBackslash = -1;
  #line = 0;
  #eof = false;

  constructor(text: string, onSample: SampleVisitor, options: ParseOptions) {
    this.#text = text;
    this.#onSample = onSample;
    this.#openMetrics = options.format === 'openmetrics';
    this.#maxProblems = options.maxProblems ?? 10;
    this.#accept = options.acceptMetric;
  }

  run(): ParseReport {
    const text = this.#text;
    const length = text.length;
    let start = 0;
    while (start < length) {
      this.#line++;
      let newline = text.indexOf('\n', start);
      if (newline === -1) newline = length;
      const end = newline > start && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
      const error = this.#parseLine(start, end);
      if (error !== undefined) {
        this.#forgetPrevious();
        this.#malformed(start, end, error);
      }
      start = newline + 1;
      if (this.#eof) {
        this.#afterEof(start);
        break;
      }
    }
    return this.#report;
  }

  /**
   * Lets go of everything that belongs to this parse (the body, the caller's callbacks, the
   * tables) while the reader object itself is kept (see keptAlive).
   */
  release(): void {
    this.#text = '';
    this.#onSample = ignoreSample;
    this.#accept = undefined;
    this.#metrics.clear();
    this.#labelNames.clear();
    this.#labelValues.clear();
    this.#lastMetric = undefined;
    this.#prevMetric = undefined;
    this.#prevCount = 0;
    this.#prevNames.length = 0;
    this.#prevValues.length = 0;
    this.#prevPlain.length = 0;
    this.#prevEnds.length = 0;
    this.#template = undefined;
  }

  #forgetPrevious(): void {
    this.#prevCount = 0;
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
    const text = this.#text;
    let start = from;
    let firstLine = 0;
    let count = 0;
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
    if (count > 0) {
      this.#report.malformed += count;
      if (this.#report.problems.length < this.#maxProblems) {
        this.#report.problems.push(`line ${firstLine}: ${count} line(s) after # EOF ignored`);
      }
    }
  }

  /**
   * How many leading labels of the previous line text[from, end) repeats. `from` is at the line's
   * name (compare names too) or at its `{` (names differ). Tries all but the last label, then all
   * but the last two. 0 when neither matches.
   */
  #sharedPrefix(from: number, end: number, fromName: boolean): number {
    const text = this.#text;
    const count = this.#prevCount;
    const ends = this.#prevEnds;
    const nameLength = fromName ? this.#prevBrace : 0;
    const prevFrom = this.#prevStart + this.#prevBrace - nameLength;
    for (let k = count - 1; k >= 1 && k >= count - 2; k--) {
      const length = nameLength + (ends[k - 1] ?? 0);
      if (length <= end - from && text.slice(from, from + length) === text.slice(prevFrom, prevFrom + length)) {
        return k;
      }
    }
    return 0;
  }

  /** Marks the reused leading label names as set on this line, for the duplicate check. */
  #stampLeadingNames(count: number): void {
    const line = this.#line;
    const names = this.#prevNames;
    for (let i = 0; i < count; i++) {
      const name = names[i];
      if (name !== undefined) name.lastLine = line;
    }
  }

  #parseLine(lineStart: number, end: number): LineError | undefined {
    const text = this.#text;
    let p = lineStart;
    let c = text.charCodeAt(p);
    while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
    if (p >= end) return undefined; // blank line
    if (c === HASH) {
      this.#comment(p, end);
      return undefined;
    }
    const nameStart = p;
    const previousCount = this.#prevCount;
    /** Whether this line's label names so far are the previous line's, in the same order. */
    let sameNames = true;
    let labelCount = 0;
    let brace = -1;
    let seriesEnd = -1;

    let metric = this.#prevMetric;
    if (metric !== undefined && this.#prevCount > 1 && (labelCount = this.#sharedPrefix(p, end, true)) > 0) {
      // Same name and leading labels as the previous line.
      brace = nameStart + this.#prevBrace;
      p = brace + (this.#prevEnds[labelCount - 1] ?? 0);
      this.#lastMetric = metric;
      this.#stampLeadingNames(labelCount);
    } else {
      // Metric name: same as the last line's, or scanned and interned.
      metric = this.#lastMetric;
      if (metric !== undefined && regionEquals(text, p, metric.key) && (charClass(text.charCodeAt(p + metric.key.length)) & METRIC_CHAR) === 0) {
        p += metric.key.length;
      } else {
        if ((charClass(c) & METRIC_START) === 0) return 'invalid metric name';
        let hash = 0;
        while (p < end && (charClass(c) & METRIC_CHAR) !== 0) {
          hash = hashStep(hash, c);
          c = text.charCodeAt(++p);
        }
        metric = this.#metrics.get(text, nameStart, p, finishHash(hash));
        this.#lastMetric = metric;
      }
      c = text.charCodeAt(p);
      if (p < end && c !== SPACE && c !== TAB && c !== BRACE_OPEN) return 'invalid character in metric name';
      if (!metric.accepted) {
        this.#report.skipped++;
        return undefined;
      }
      while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
      if (c === BRACE_OPEN && p < end) {
        brace = p;
        // A different name (`_count` after `_bucket`) may still share the leading labels.
        if (metric !== this.#prevMetric && this.#prevCount > 1) {
          labelCount = this.#sharedPrefix(p, end, false);
          if (labelCount > 0) {
            p = brace + (this.#prevEnds[labelCount - 1] ?? 0);
            this.#stampLeadingNames(labelCount);
          }
        }
        if (labelCount === 0) p++; // past "{"
      }
    }
    // From here on the previous-line state describes this line as far as it has been read.
    this.#prevMetric = metric;
    this.#prevCount = 0;
    const reused = labelCount;

    if (brace >= 0) {
      const names = this.#prevNames;
      const values = this.#prevValues;
      const plain = this.#prevPlain;
      const ends = this.#prevEnds;
      c = text.charCodeAt(p);
      // After a reused prefix we stand just past a label value, expecting "," or "}".
      let afterValue = labelCount > 0;
      for (;;) {
        if (afterValue) {
          while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
          if (c === COMMA && p < end) {
            c = text.charCodeAt(++p);
          } else if (c === BRACE_CLOSE && p < end) {
            break;
          } else {
            return 'expected "," or "}" after label value';
          }
        }
        afterValue = true;
        while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
        if (p >= end) return 'unterminated label set';
        if (c === BRACE_CLOSE) break;

        // Label name: the previous line's at this position, or scanned and interned.
        let name = names[labelCount];
        if (name !== undefined && regionEquals(text, p, name.key) && (charClass(text.charCodeAt(p + name.key.length)) & LABEL_CHAR) === 0) {
          p += name.key.length;
        } else {
          if ((charClass(c) & LABEL_START) === 0) return 'invalid label name';
          const labelStart = p;
          let hash = 0;
          while (p < end && (charClass(c) & LABEL_CHAR) !== 0) {
            hash = hashStep(hash, c);
            c = text.charCodeAt(++p);
          }
          const scanned = this.#labelNames.get(text, labelStart, p, finishHash(hash));
          if (scanned !== name) {
            sameNames = false;
            names[labelCount] = scanned;
          }
          name = scanned;
        }
        c = text.charCodeAt(p);
        while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
        if (p >= end || c !== EQUALS) return 'expected "=" after label name';
        c = text.charCodeAt(++p);
        while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
        if (p >= end || c !== QUOTE) return 'expected quoted label value';
        p++;

        // Label value: the previous line's at this position if the text matches up to a quote,
        // else scanned (hashing as we go) up to the closing quote.
        let value: string | undefined;
        const predicted = plain[labelCount];
        if (predicted !== undefined) {
          const after = p + predicted.length;
          if (after < end && text.charCodeAt(after) === QUOTE && regionEquals(text, p, predicted)) {
            value = predicted;
            p = after + 1;
          }
        }
        if (value === undefined) {
          // Find the closing quote natively; a backslash before it means escapes (slow path).
          const close = text.indexOf('"', p);
          if (close === -1 || close >= end) return 'unterminated label value';
          let backslash = this.#nextBackslash;
          if (backslash < p) {
            backslash = text.indexOf('\\', p);
            if (backslash === -1) backslash = NO_BACKSLASH;
            this.#nextBackslash = backslash;
          }
          if (backslash < close) {
            const escaped = this.#escapedValue(p, end);
            if (escaped === undefined) return 'unterminated label value';
            value = escaped.value;
            plain[labelCount] = undefined;
            p = escaped.next;
          } else {
            let hash = 0;
            for (let i = p; i < close; i++) hash = hashStep(hash, text.charCodeAt(i));
            value = this.#labelValues.get(text, p, close, finishHash(hash)).key;
            plain[labelCount] = value;
            p = close + 1;
          }
        }

        if (name.lastLine === this.#line) return `duplicate label ${JSON.stringify(name.key)}`;
        name.lastLine = this.#line;
        values[labelCount] = value;
        ends[labelCount] = p - brace;
        labelCount++;
        c = text.charCodeAt(p);
      }
      p++; // past "}"
      seriesEnd = p;
      c = text.charCodeAt(p);
      while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
    }

    // Value: plain integers are read inline; anything else goes through Go's float syntax.
    if (p >= end) return 'missing value';
    const valueStart = p;
    let integer = 0;
    let plainDigits = true;
    while (p < end && c !== SPACE && c !== TAB) {
      if (c >= ZERO && c <= NINE) integer = integer * 10 + (c - ZERO);
      else plainDigits = false;
      c = text.charCodeAt(++p);
    }
    let value: number;
    if (plainDigits && p - valueStart <= MAX_FAST_DIGITS) {
      value = integer;
    } else {
      const parsed = parseGoFloat(text, valueStart, p);
      if (parsed === undefined) return 'invalid value';
      value = parsed;
    }

    // Optional timestamp, then optionally an exemplar (`# {…} value [timestamp]`), ignored.
    while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
    let timestampMs: number | undefined;
    if (p < end && c !== HASH) {
      const tsStart = p;
      while (p < end && c !== SPACE && c !== TAB) c = text.charCodeAt(++p);
      timestampMs = this.#timestamp(tsStart, p);
      if (timestampMs === undefined) return 'invalid timestamp';
      while (p < end && (c === SPACE || c === TAB)) c = text.charCodeAt(++p);
    }
    if (p < end && c !== HASH) return 'unexpected text after sample';

    this.#prevStart = nameStart;
    this.#prevBrace = brace < 0 ? -1 : brace - nameStart;
    this.#prevCount = labelCount;
    const labels = this.#labelObject(labelCount, reused, sameNames && labelCount === previousCount);
    const series = labelCount === 0 ? metric.key : detach(text.slice(nameStart, seriesEnd));
    this.#report.samples++;
    this.#onSample({ name: metric.key, labels, value, timestampMs, series });
    return undefined;
  }

  /** Builds the sample's label object from the label arrays (see #template). */
  #labelObject(count: number, reused: number, sameNames: boolean): Record<string, string> {
    if (count === 0) return {};
    const names = this.#prevNames;
    const values = this.#prevValues;
    const template = this.#template;
    if (sameNames && template !== undefined) {
      const valid = Math.min(this.#templateValid, reused);
      if (valid > 0) {
        const labels = copyLabels(this.#templateSite, template);
        for (let i = valid; i < count; i++) setLabel(labels, names[i], values[i] ?? '');
        this.#templateValid = valid;
        return labels;
      }
    }
    const fresh: Record<string, string> = {};
    for (let i = 0; i < count; i++) setLabel(fresh, names[i], values[i] ?? '');
    this.#template = fresh;
    LIVE_LAYOUTS[this.#templateSite * 32 + ((names[0]?.id ?? 0) & 31)] = fresh;
    this.#templateValid = count;
    this.#templateSite = ((names[count - 1]?.id ?? 0) * 31 + count) & 7;
    // The template stays private, so a caller changing its sample's labels cannot leak into others.
    return copyLabels(this.#templateSite, fresh);
  }

  #comment(p: number, end: number): void {
    // `# EOF` (OpenMetrics' terminator) with nothing but whitespace after it.
    if (end - p >= 5 && this.#text.startsWith('# EOF', p) && this.#text.slice(p + 5, end).trim() === '') {
      this.#eof = true;
    }
  }

  #timestamp(start: number, end: number): number | undefined {
    if (!this.#openMetrics) return parseGoInt64(this.#text, start, end);
    // OpenMetrics timestamps are seconds, possibly fractional.
    const seconds = parseGoFloat(this.#text, start, end);
    if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
    return Math.round(seconds * 1000);
  }

  /** Slow path for values containing backslashes; `start` is just past the opening quote. */
  #escapedValue(start: number, end: number): { value: string; next: number } | undefined {
    const text = this.#text;
    let value = '';
    let chunk = start;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        value += text.slice(chunk, i);
        return { value: detach(value), next: i + 1 };
      }
      if (c !== BACKSLASH) continue;
      if (i + 1 >= end) return undefined;
      const escaped = text.charCodeAt(i + 1);
      value += text.slice(chunk, i);
      if (escaped === LOWER_N) value += '\n';
      else if (escaped === BACKSLASH) value += '\\';
      else if (escaped === QUOTE) value += '"';
      else value += text.slice(i, i + 2); // unknown escapes are kept as written
      i++;
      chunk = i + 1;
    }
    return undefined;
  }
}

/**
 * Copies a label object. The engine caches object layouts per copy site and gets several times
 * slower once one site has seen more than a few layouts; a proxy body has dozens of label
 * layouts, so copies are spread over identical sites by a number derived from the layout.
 */
function copyLabels(site: number, source: Record<string, string>): Record<string, string> {
  switch (site) {
    case 0:
      return { ...source };
    case 1:
      return { ...source };
    case 2:
      return { ...source };
    case 3:
      return { ...source };
    case 4:
      return { ...source };
    case 5:
      return { ...source };
    case 6:
      return { ...source };
    default:
      return { ...source };
  }
}

function setLabel(labels: Record<string, string>, name: LabelNameEntry | undefined, value: string): void {
  if (name === undefined) return;
  if (name.needsDefine) {
    // Assigning `__proto__` would change the prototype instead of adding a label.
    Object.defineProperty(labels, name.key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    labels[name.key] = value;
  }
}
