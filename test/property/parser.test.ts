// Properties of the exposition parser (src/collect/parser.ts) and its lexer: whatever a target
// sends, the parser returns, accounts for every line, and never loses or invents a sample; and what
// a correct exporter writes comes back exactly, whatever legal spacing, escapes, values and
// timestamps it uses. The parser's speed tricks (reusing the previous line's labels, interning,
// the escape finder's memory across lines) carry state from line to line, so expositions are
// generated with many lines that share names and leading labels, malformed lines among them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { parseGoFloat, parseGoInt64 } from '../../src/go/index.js';
import { parseExposition } from '../../src/collect/index.js';
import type { ExpositionFormat, ParseOptions, ParseReport, Sample } from '../../src/collect/index.js';

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

// --- running the parser -------------------------------------------------------------------

interface Parsed {
  readonly samples: Sample[];
  readonly report: ParseReport;
}

function parse(text: string | readonly string[] | Buffer, options: ParseOptions = {}): Parsed {
  const samples: Sample[] = [];
  const report = parseExposition(
    text,
    // Field by field: a sample read as an expected series has its name and labels as getters.
    (sample) => samples.push({ name: sample.name, labels: { ...sample.labels }, value: sample.value, timestampMs: sample.timestampMs, series: sample.series }),
    options,
  );
  return { samples, report };
}

/** A sample as plain data, labels sorted, so two parses can be compared with deepEqual. */
function plain(sample: Sample): unknown {
  const labels = Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { name: sample.name, labels, value: Object.is(sample.value, -0) ? '-0' : sample.value, timestampMs: sample.timestampMs, series: sample.series };
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// --- the line grammar, as a model ---------------------------------------------------------

/** What the parser makes of one physical line, judged the simple way: blank, comment or a sample line. */
function lineKind(line: string): 'blank' | 'comment' | 'eof' | 'sample' {
  const body = line.endsWith('\r') ? line.slice(0, -1) : line;
  const rest = body.replace(/^[ \t]*/, '');
  if (rest === '') return 'blank';
  if (rest.startsWith('#')) return rest.startsWith('# EOF') && rest.slice(5).trim() === '' ? 'eof' : 'comment';
  return 'sample';
}

/**
 * How many lines of `text` must show up in the report: sample lines before `# EOF` are each a
 * sample, skipped or malformed; after it, every line that is not blank is malformed.
 */
function expectedLineCounts(text: string): { sampleLines: number; afterEof: number } {
  let sampleLines = 0;
  let afterEof = 0;
  let eof = false;
  for (const line of text.split('\n')) {
    if (eof) {
      if (line.trim() !== '') afterEof++;
      continue;
    }
    const kind = lineKind(line);
    if (kind === 'sample') sampleLines++;
    if (kind === 'eof') eof = true;
  }
  return { sampleLines, afterEof };
}

// --- generators -----------------------------------------------------------------------------

// Small pools, so that consecutive lines share names, label names and values (what the label
// reuse is for), with a few names that are special to JavaScript objects.
const metricName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('h_bucket', 'h_count', 'h_sum', 'request_total', 'a', 'ab', ':x', '_') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/) },
);
const labelName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'le', 'dst', 'ab', '__proto__', 'constructor', 'toString', '__name__') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/) },
);
/** Characters that matter to the label value grammar (quotes, escapes, separators, line breaks). */
const trickyChar = fc.constantFrom('a', 'b', '"', '\\', '\n', '\r', ' ', '\t', ',', '}', '{', '=', '#', 'n', 'é', '\u2028', '\u0000', '😀');
const labelValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', '1', '+Inf', 'x', 'xy', 'a"b', 'a\\b', 'a\\nb', 'line\nbreak', '\\', '"', '"} 1', 'long-enough-to-be-a-sliced-string') },
  { weight: 3, arbitrary: fc.string({ unit: trickyChar, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
);

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

interface ValueCase {
  readonly text: string;
  readonly value: number;
}

/** A sample value written any way Go's ParseFloat reads it, with the number it stands for. */
const sampleValueCase: fc.Arbitrary<ValueCase> = fc.oneof(
  fc.tuple(fc.double(), fc.nat()).map(([d, variant]): ValueCase => {
    if (Number.isNaN(d)) return { text: ['NaN', 'nan', 'NAN', 'naN'][variant % 4] as string, value: Number.NaN };
    if (d === Infinity) return { text: ['+Inf', 'Inf', 'inf', '+inf', 'Infinity', '+INFINITY'][variant % 6] as string, value: d };
    if (d === -Infinity) return { text: ['-Inf', '-inf', '-Infinity', '-INF'][variant % 4] as string, value: d };
    const candidates = [String(d), d.toExponential(), d.toExponential().toUpperCase(), d >= 0 ? `+${d}` : String(d)];
    if (Number.isInteger(d) && Math.abs(d) < 1e21) candidates.push(BigInt(d).toString());
    const text = candidates[variant % candidates.length] as string;
    return { text, value: Number(text) };
  }),
  fc.maxSafeNat().map((n): ValueCase => ({ text: String(n), value: n })),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map((n): ValueCase => ({ text: n.toString(), value: Number(n.toString()) })),
  fc.stringMatching(/^0{0,3}[0-9]{1,15}$/).map((text): ValueCase => ({ text, value: Number(text) })),
);

interface TimestampCase {
  readonly text: string;
  /** Milliseconds, as the parser must return them for each format. */
  readonly textMs: number;
  readonly openMetricsMs: number | undefined;
}

const timestampCase: fc.Arbitrary<TimestampCase> = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((t): TimestampCase => {
    const text = String(t);
    const seconds = Number(text);
    return { text, textMs: Number(t), openMetricsMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined };
  }),
  fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }).map((t): TimestampCase => ({ text: `+${t < 0 ? -t : t}`, textMs: Math.abs(t), openMetricsMs: Math.round(Math.abs(t) * 1000) })),
);

/** Seconds with a fraction: an OpenMetrics timestamp that the text format refuses. */
const fractionalSeconds = fc.double({ min: -1e12, max: 1e12, noNaN: true }).filter((s) => !Number.isInteger(s));

const blanks = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
const someBlanks = fc.string({ unit: fc.constantFrom(' ', '\t'), minLength: 1, maxLength: 2 });

interface Layout {
  readonly lead: string;
  /** Cycled through for the optional spaces around every token inside the braces. */
  readonly spaces: readonly string[];
  readonly trailingComma: boolean;
  readonly emptyBraces: boolean;
  readonly beforeValue: string;
  readonly beforeTimestamp: string;
  readonly trailing: string;
  readonly exemplar: boolean;
  readonly crlf: boolean;
}

/** What exporters write: no optional spacing at all. */
const PLAIN_LAYOUT: Layout = { lead: '', spaces: [], trailingComma: false, emptyBraces: false, beforeValue: ' ', beforeTimestamp: ' ', trailing: '', exemplar: false, crlf: false };

const layout: fc.Arbitrary<Layout> = fc.oneof(
  fc.constant(PLAIN_LAYOUT),
  fc.record({
    lead: blanks,
    spaces: fc.array(blanks, { maxLength: 5 }),
    trailingComma: fc.boolean(),
    emptyBraces: fc.boolean(),
    // After `}` the value may follow at once; after a bare name a blank must separate them.
    beforeValue: blanks,
    beforeTimestamp: someBlanks,
    trailing: blanks,
    exemplar: fc.boolean(),
    crlf: fc.boolean(),
  }),
);

interface LineSpec {
  readonly name: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly value: ValueCase;
  readonly timestamp: TimestampCase | undefined;
  readonly layout: Layout;
}

/** Label sets built from a few shared bases, so that lines share leading labels and differ at the end. */
const labelSets = fc
  .tuple(
    fc.array(fc.uniqueArray(fc.tuple(labelName, labelValue), { selector: ([name]) => name, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.option(labelValue), fc.option(fc.tuple(labelName, labelValue))), { maxLength: 30 }),
  )
  .map(([bases, picks]) =>
    picks.map(([base, at, newValue, extra]) => {
      const labels = [...(bases[base % bases.length] ?? [])];
      const index = labels.length === 0 ? -1 : labels.length - 1 - (at % Math.min(2, labels.length));
      const target = labels[index];
      if (target !== undefined && newValue !== null) labels[index] = [target[0], newValue];
      if (extra !== null && !labels.some(([name]) => name === extra[0])) labels.push(extra);
      return labels;
    }),
  );

const lineSpecs: fc.Arbitrary<LineSpec[]> = labelSets.chain((sets) =>
  fc.tuple(...sets.map((labels) => fc.record({ name: metricName, labels: fc.constant(labels), value: sampleValueCase, timestamp: fc.option(timestampCase, { nil: undefined }), layout }))),
);

interface Rendered {
  readonly text: string;
  /** The metric name plus its label block, as written (what Sample.series must be). */
  readonly series: string;
}

function renderLine(line: LineSpec, valueText = line.value.text, timestampText: string | null = line.timestamp?.text ?? null): Rendered {
  const { layout: l } = line;
  let next = 0;
  const sp = (): string => (l.spaces.length === 0 ? '' : (l.spaces[next++ % l.spaces.length] as string));
  let text = l.lead + line.name;
  let series = line.name;
  let beforeValue = l.beforeValue;
  if (line.labels.length > 0 || l.emptyBraces) {
    let block = `${sp()}{`;
    line.labels.forEach(([name, value], i) => {
      block += `${sp()}${name}${sp()}=${sp()}"${escapeLabelValue(value)}"${sp()}`;
      if (i < line.labels.length - 1 || l.trailingComma) block += ',';
    });
    block += `${sp()}}`;
    text += block;
    if (line.labels.length > 0) series += block;
  } else if (beforeValue === '') {
    beforeValue = ' ';
  }
  text += beforeValue + valueText;
  if (timestampText !== null) text += l.beforeTimestamp + timestampText;
  text += l.trailing;
  if (l.exemplar) text += ' # {trace_id="abc"} 1 1';
  return { text, series };
}

/** Ways to break a sample line so that it must be reported malformed (when its metric is read at all). */
type Breakage =
  | 'missing-value'
  | 'bad-value'
  | 'bad-timestamp'
  | 'extra-text'
  | 'duplicate-label'
  | 'unterminated-value'
  | 'bad-label-name'
  | 'no-equals'
  | 'missing-comma'
  | 'unterminated-set'
  | 'bad-metric-name';

const breakage = fc.constantFrom<Breakage>(
  'missing-value',
  'bad-value',
  'bad-timestamp',
  'extra-text',
  'duplicate-label',
  'unterminated-value',
  'bad-label-name',
  'no-equals',
  'missing-comma',
  'unterminated-set',
  'bad-metric-name',
);

function brokenLine(line: LineSpec, how: Breakage, variant: number): string {
  const labelsText = line.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  const withLabels = (extra: string): string => `${line.name}{${[...labelsText, extra].join(',')}}`;
  switch (how) {
    case 'missing-value':
      return renderLine(line, '', null).text.trimEnd().replace(/ # \{trace_id.*$/, '');
    case 'bad-value':
      return renderLine(line, ['abc', '12abc', '1e999', '-1e999', '0x', '--1', '1_', '_1', '1..2', 'Inf1', '0x1', '1,5'][variant % 12], null).text;
    case 'bad-timestamp':
      return renderLine(line, line.value.text, ['x1', '1e', '--1', '1-', '0x10'][variant % 5]).text;
    case 'extra-text':
      return `${renderLine(line, line.value.text, null).text.replace(/ # \{trace_id.*$/, '')} 1 2`;
    case 'duplicate-label': {
      const [first] = line.labels;
      return first === undefined ? `${line.name}{d="1",d="2"} 1` : `${withLabels(`${first[0]}="other"`)} 1`;
    }
    case 'unterminated-value':
      return `${withLabels('u="open')} 1`;
    case 'bad-label-name':
      return `${withLabels('1a="x"')} 1`;
    case 'no-equals':
      return `${withLabels('nq "x"')} 1`;
    case 'missing-comma':
      return `${line.name}{${[...labelsText, 'mc1="1" mc2="2"'].join(',')}} 1`;
    case 'unterminated-set':
      return `${line.name}{${[...labelsText, 'us="1"'].join(',')} 1`;
    case 'bad-metric-name':
      return [`1${line.name} 1`, `-${line.name} 1`, `{a="b"} 1`, `"${line.name}" 1`, `${line.name}é 1`, `${line.name}-x 1`][variant % 6] as string;
  }
}

/**
 * A declined metric's line is not read past its name, except that a line without labels must go
 * on with a value (so that a page of prose is not taken for declined samples).
 */
function declinedButMalformed(line: LineSpec, how: Breakage): boolean {
  const bare = line.labels.length === 0 && !line.layout.emptyBraces;
  return bare && (how === 'missing-value' || how === 'bad-value');
}

/** Comment and blank lines an exposition may carry between samples. */
const filler = fc.constantFrom('', ' ', '\t', '# HELP h_bucket Latency.', '# TYPE h histogram', '#', '# EOFX', '#EOF', ' # comment {a="b"} 1');

interface Exposition {
  readonly text: string;
  readonly format: ExpositionFormat;
  readonly declined: ReadonlySet<string>;
  /** What the parser must report, in order. */
  readonly expected: readonly unknown[];
  readonly skipped: number;
  readonly malformed: number;
}

const exposition: fc.Arbitrary<Exposition> = fc
  .record({
    lines: lineSpecs,
    events: fc.array(fc.tuple(fc.nat(), fc.oneof(filler.map((text) => ({ filler: text })), fc.tuple(breakage, fc.nat()).map(([how, variant]) => ({ how, variant })))), { maxLength: 8 }),
    format: fc.constantFrom<ExpositionFormat>('text', 'openmetrics'),
    declined: fc.uniqueArray(metricName, { maxLength: 2 }),
    eofTail: fc.option(fc.array(fc.constantFrom('', ' ', 'a 1', '# HELP x y', 'garbage {', '\t'), { maxLength: 4 })),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, events, format, declined, eofTail, finalNewline }) => {
    const declinedSet = new Set(declined);
    const accepted = (name: string): boolean => !declinedSet.has(name);
    const out: string[] = [];
    const expected: unknown[] = [];
    let skipped = 0;
    let malformed = 0;
    // Where the fillers and broken lines go: before the line at their (wrapped) index.
    const at = (index: number): number => (lines.length === 0 ? 0 : index % (lines.length + 1));
    const eventsAt = (i: number) => events.filter(([index]) => at(index) === i).map(([, event]) => event);
    for (let i = 0; i <= lines.length; i++) {
      for (const event of eventsAt(i)) {
        if ('filler' in event) {
          out.push(event.filler);
          continue;
        }
        // A broken line is built from its neighbour, so it shares that line's name and labels.
        const like = lines[Math.min(i, lines.length - 1)] ?? { name: 'a', labels: [], value: { text: '1', value: 1 }, timestamp: undefined, layout: PLAIN_LAYOUT };
        out.push(brokenLine(like, event.how, event.variant));
        if (event.how === 'bad-metric-name' || accepted(like.name) || declinedButMalformed(like, event.how)) malformed++;
        else skipped++;
      }
      const line = lines[i];
      if (line === undefined) continue;
      const rendered = renderLine(line);
      out.push(rendered.text + (line.layout.crlf ? '\r' : ''));
      if (!accepted(line.name)) {
        skipped++;
        continue;
      }
      const timestampMs = line.timestamp === undefined ? undefined : format === 'text' ? line.timestamp.textMs : line.timestamp.openMetricsMs;
      const labels = [...line.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      expected.push({ name: line.name, labels, value: Object.is(line.value.value, -0) ? '-0' : line.value.value, timestampMs, series: rendered.series });
    }
    if (eofTail !== null) {
      out.push('# EOF');
      out.push(...eofTail);
      malformed += eofTail.filter((line) => line.trim() !== '').length;
    }
    const text = out.join('\n') + (finalNewline ? '\n' : '');
    return { text, format, declined: declinedSet, expected, skipped, malformed };
  });

/** Loose junk built from the grammar's own pieces, with whole valid lines mixed in. */
const junk = fc
  .array(
    fc.oneof(
      fc.constantFrom('{', '}', '=', '"', ',', ' ', '\t', '\\', '\n', '\r', '\r\n', '#', '# EOF', 'le', '"+Inf"', '1', '1e3', 'NaN', '-', '+', '.', '_', 'é', '\u0000', '\u2028', '😀', '\\"', '\\n'),
      metricName,
      labelName,
      lineSpecs.map((lines) => lines.map((line) => renderLine(line).text).join('\n')),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

// --- properties -------------------------------------------------------------------------------

describe('parseExposition on arbitrary input', () => {
  const anyText = fc.oneof(
    { weight: 2, arbitrary: junk },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')) },
  );
  const options = fc.record({
    format: fc.constantFrom<ExpositionFormat>('text', 'openmetrics'),
    declined: fc.uniqueArray(metricName, { maxLength: 3 }),
    maxProblems: fc.integer({ min: 0, max: 4 }),
  });

  it('never throws, and accounts for every line as a sample, a skipped line or a malformed one', () => {
    fc.assert(
      fc.property(anyText, options, (text, { format, declined, maxProblems }) => {
        const asked: string[] = [];
        const { samples, report } = parse(text, {
          format,
          maxProblems,
          acceptMetric: (name) => {
            asked.push(name);
            return !declined.includes(name);
          },
        });
        const { sampleLines, afterEof } = expectedLineCounts(text);
        assert.equal(report.samples, samples.length, 'report.samples counts the visitor calls');
        assert.equal(report.samples + report.skipped + report.malformed, sampleLines + afterEof, 'every sample line is counted exactly once');
        assert.ok(report.problems.length <= Math.min(maxProblems, report.malformed), 'problems are bounded');
        assert.equal(new Set(asked).size, asked.length, 'acceptMetric is asked once per name');
        for (const sample of samples) {
          assert.match(sample.name, METRIC_NAME);
          assert.ok(!declined.includes(sample.name), 'declined metrics are not returned');
          assert.equal(typeof sample.value, 'number');
          if (sample.timestampMs !== undefined) {
            assert.ok(Number.isFinite(sample.timestampMs), 'timestamps are finite');
            if (format === 'text') assert.ok(Number.isInteger(sample.timestampMs), 'text timestamps are integer milliseconds');
          }
          assert.equal(Object.getPrototypeOf(sample.labels), Object.prototype);
          for (const [name, value] of Object.entries(sample.labels)) {
            assert.match(name, LABEL_NAME);
            assert.equal(typeof value, 'string');
          }
          assert.ok(sample.series.startsWith(sample.name), 'the series starts with the metric name');
          assert.ok(text.includes(sample.series), 'the series is text of the body');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads a body exactly as it reads each of its lines on its own', () => {
    // Whatever one line leaves behind (labels to reuse, interned names, a pending escape) must not
    // change what the next line means.
    fc.assert(
      fc.property(anyText, options, (text, { format, declined }) => {
        const acceptMetric = (name: string): boolean => !declined.includes(name);
        const whole = parse(text, { format, acceptMetric });
        const lines = text.split('\n');
        const eof = lines.findIndex((line) => lineKind(line) === 'eof');
        const perLine = (eof < 0 ? lines : lines.slice(0, eof + 1)).map((line) => parse(line, { format, acceptMetric }));
        assert.deepEqual(whole.samples.map(plain), perLine.flatMap(({ samples }) => samples.map(plain)));
        assert.equal(whole.report.skipped, perLine.reduce((sum, { report }) => sum + report.skipped, 0));
        const afterEof = eof < 0 ? 0 : lines.slice(eof + 1).filter((line) => line.trim() !== '').length;
        assert.equal(whole.report.malformed, perLine.reduce((sum, { report }) => sum + report.malformed, 0) + afterEof);
      }),
      { numRuns: 400 },
    );
  });
});

describe('parseExposition given expected series and line-aligned pieces', () => {
  /** The text cut into pieces after some of its line breaks (as body-pieces.ts cuts a page). */
  function pieces(text: string, cuts: readonly number[]): string[] {
    const breaks: number[] = [];
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) breaks.push(at + 1);
    const chosen = [...new Set(cuts.map((cut) => breaks[cut % Math.max(1, breaks.length)]).filter((at): at is number => at !== undefined))].sort((a, b) => a - b);
    const out: string[] = [];
    let from = 0;
    for (const at of chosen) {
      out.push(text.slice(from, at));
      from = at;
    }
    out.push(text.slice(from));
    return out;
  }

  it('reads a body exactly as without them, whichever accepted series it is told to expect where', () => {
    // The last page's series at the same place, a place off, or any other: a line is taken as the
    // expected series only when it is that series, and reads as it would have in full.
    // Pages as a proxy writes them (one space, plain integer values, series repeated), which
    // the byte path reads in place, with now and then a line it must leave to the text path.
    const proxyLine = fc.oneof(
      {
        weight: 12,
        arbitrary: fc
          // Names of one length declined (h_bucket, hb_count) and accepted (ab_total): the byte
          // path compares a declined line's name with the last declined one in place.
          .tuple(fc.constantFrom('a_total', 'b', 'h_bucket', 'hb_count', 'ab_total'), fc.nat({ max: 3 }), fc.constantFrom('', ',le="1"', ',le="+Inf"'), fc.oneof(fc.nat().map(String), fc.constantFrom('9007199254740993', '9007199254740993123', '0007', '1.5', '1e3')))
          .map(([name, i, le, value]) => `${name}{i="${i}"${le}} ${value}`),
      },
      {
        // Lines without labels, as a proxy's process metrics are: a declined one with one space and
        // a plain decimal value is skipped in place, anything else is left to the text path.
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.constantFrom('a_total', 'b', 'h_bucket', 'hb_count', 'h'),
            fc.constantFrom(' ', '  ', '\t', ''),
            fc.oneof(fc.nat().map(String), fc.constantFrom('12.5', '0.25', '1.', '.5', '1..2', '1e3', '-1', 'NaN', '', 'x', '7 1700000000000', '7 ', '7\r', '7x', '12.5e', '3-', '1.5.5')),
          )
          .map(([name, blank, value]) => `${name}${blank}${value}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom('# HELP a_total A.', '# TYPE b gauge', '#', '#x', '# EOFx', '# EOF  ', ' # TYPE b gauge', '', 'b 7', 'b{i="1"} 3 1700000000000', 'a_total{i="2"}  4', 'a_total{i="1"} 5\r', '# EOF', 'x y z'),
      },
    );
    const proxyPage = fc.array(proxyLine, { maxLength: 40 }).map((lines) => lines.join('\n') + '\n');
    const anyText = fc.oneof(junk, exposition.map(({ text }) => text), proxyPage);
    const guesses = fc.array(fc.oneof(fc.constant<'same' | 'next' | 'none'>('same'), fc.constant<'same' | 'next' | 'none'>('next'), fc.constant<'same' | 'next' | 'none'>('none'), fc.nat()), { maxLength: 30 });
    fc.assert(
      fc.property(anyText, fc.constantFrom<ExpositionFormat>('text', 'openmetrics'), guesses, fc.array(fc.nat(), { maxLength: 4 }), (text, format, guess, cuts) => {
        const acceptMetric = (name: string): boolean => !name.startsWith('h');
        const whole = parse(text, { format, acceptMetric });
        const known = whole.samples.map((sample) => sample.series);
        const expectedSeries = (index: number): string | undefined => {
          const how = guess[index % Math.max(1, guess.length)] ?? 'same';
          if (how === 'none') return undefined;
          if (how === 'same') return known[index];
          if (how === 'next') return known[index + 1];
          return known[how % Math.max(1, known.length)];
        };
        const guided = parse(pieces(text, cuts), { format, acceptMetric, expected: { expectedSeries, expectedBytes: () => undefined } });
        assert.deepEqual(guided.samples.map(plain), whole.samples.map(plain));
        assert.deepEqual(
          [guided.report.samples, guided.report.skipped, guided.report.malformed],
          [whole.report.samples, whole.report.skipped, whole.report.malformed],
        );
        // The page as bytes, each expected series also as bytes: lines read in place where they
        // are that series, as text elsewhere; the same samples, counts and problems.
        const expectedBytes = (index: number): Buffer | undefined => {
          const series = expectedSeries(index);
          return series === undefined ? undefined : Buffer.from(series, 'latin1');
        };
        const bytes = parse(Buffer.from(text), { format, acceptMetric, expected: { expectedSeries, expectedBytes } });
        assert.deepEqual(bytes.samples.map(plain), whole.samples.map(plain));
        assert.deepEqual(bytes.report, whole.report);
      }),
      { numRuns: 600 },
    );
  });
});

describe('parseExposition on generated valid expositions', () => {
  it('returns exactly the samples written, skips the declined ones, and counts the broken lines', () => {
    fc.assert(
      fc.property(exposition, ({ text, format, declined, expected, skipped, malformed }) => {
        const { samples, report } = parse(text, { format, acceptMetric: (name) => !declined.has(name), maxProblems: 100 });
        assert.deepEqual(samples.map(plain), expected, report.problems.join('\n'));
        assert.equal(report.skipped, skipped, 'skipped');
        assert.equal(report.malformed, malformed, `malformed: ${report.problems.join('; ')}`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads fractional OpenMetrics timestamps as milliseconds and refuses them in the text format', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'a_total', 'h_bucket'), fc.nat({ max: 3 }), fractionalSeconds), { minLength: 1, maxLength: 8 }), (rows) => {
        const text = rows.map(([name, label, seconds]) => `${name}{i="${label}"} 1 ${seconds}`).join('\n');
        const om = parse(text, { format: 'openmetrics' });
        assert.deepEqual(
          om.samples.map((s) => s.timestampMs),
          rows.map(([, , seconds]) => Math.round(seconds * 1000)),
        );
        const plainText = parse(text, { format: 'text' });
        assert.deepEqual([plainText.report.samples, plainText.report.malformed], [0, rows.length]);
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with parse-prometheus-text-format on names, labels and value text', () => {
    const baseline = loadBaseline();
    const canonical = lineSpecs.map((lines) => {
      const seen = new Set<string>();
      // That library merges a line into the one before when their labels are equal, drops the
      // last line without a final newline, and assigns `__proto__` as a property: keep it out of
      // those corners.
      return lines
        .map((line) => ({ ...line, layout: PLAIN_LAYOUT }))
        .filter((line) => !line.labels.some(([name]) => name === '__proto__'))
        .filter((line) => {
          const key = JSON.stringify([line.name, [...line.labels].sort()]);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
    });
    fc.assert(
      fc.property(canonical, (lines) => {
        const text = lines.map((line) => `${renderLine(line).text}\n`).join('');
        const theirs = baseline(text).flatMap((family) =>
          family.metrics.map((metric) => ({ name: family.name, labels: Object.entries(metric.labels ?? {}).sort(), value: metric.value, timestamp: metric.timestamp_ms })),
        );
        const { samples } = parse(text);
        const ours = samples.map((sample, i) => ({
          name: sample.name,
          labels: Object.entries(sample.labels).sort(),
          value: lines[i]?.value.text,
          timestamp: lines[i]?.timestamp?.text,
        }));
        assert.deepEqual(ours, theirs);
      }),
      { numRuns: 150 },
    );
  });
});

interface BaselineFamily {
  readonly name: string;
  readonly metrics: readonly { readonly value?: string; readonly labels?: Record<string, string>; readonly timestamp_ms?: string }[];
}

function loadBaseline(): (text: string) => BaselineFamily[] {
  const required: unknown = createRequire(import.meta.url)('parse-prometheus-text-format');
  if (typeof required !== 'function') throw new Error('parse-prometheus-text-format did not export a function');
  return required as (text: string) => BaselineFamily[];
}

// The lexer's tokens, each seen through a line that holds it (the lexer itself is the collect
// folder's own business), and the Go number syntax it reads values and timestamps with.
describe('the exposition lexer', () => {
  /** The one sample of a one-line body, or undefined when the line is malformed. */
  const only = (line: string): Sample | undefined => {
    const { samples, report } = parse(line);
    assert.equal(report.samples + report.malformed, 1, line);
    return samples[0];
  };

  it('unescapes exactly what a writer escapes, and finds where each value closes', () => {
    fc.assert(
      fc.property(labelValue, labelValue, (first, second) => {
        const sample = only(`m{l="${escapeLabelValue(first)}",k="${escapeLabelValue(second)}"} 1`);
        assert.deepEqual(sample?.labels, { l: first, k: second });
      }),
      { numRuns: 300 },
    );
  });

  it('takes exactly the names the grammar allows', () => {
    const nameish = fc.string({ unit: fc.constantFrom('a', 'Z', '_', ':', '0', '9', '-', '.', 'é', '\u00a0'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(nameish, (name) => {
        assert.equal(only(`${name} 1`)?.name, METRIC_NAME.test(name) ? name : undefined, `metric ${name}`);
        assert.equal(only(`m{${name}="v"} 1`)?.labels[name], LABEL_NAME.test(name) ? 'v' : undefined, `label ${name}`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads decimal literals as Number() does, and refuses those that overflow', () => {
    const literal = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^[0-9]{0,25}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,25}$/)),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,4}$/))),
      )
      .filter(([, whole, fraction]) => whole.length + (fraction?.length ?? 0) > 0)
      .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`);
    fc.assert(
      fc.property(literal, (text) => {
        const number = Number(text);
        const expected = Number.isFinite(number) ? number : undefined;
        assert.ok(Object.is(parseGoFloat(text), expected), `parseGoFloat(${text}) = ${parseGoFloat(text)}, not ${expected}`);
        assert.ok(Object.is(only(`m ${text}`)?.value, expected), `the sample value ${text}`);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back every double written as a hexadecimal float, subnormals included', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.boolean(), (d, normalised, upper) => {
        let text = hexFloat(d, normalised);
        if (upper) text = text.toUpperCase();
        assert.ok(Object.is(parseGoFloat(text), d), `${text} → ${parseGoFloat(text)}, not ${d}`);
      }),
      { numRuns: 500 },
    );
  });

  it('reads int64 timestamps as Go ParseInt does and refuses those out of range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.constantFrom('', '+', '-'), (magnitude, sign) => {
        const text = `${sign}${magnitude}`;
        const t = sign === '-' ? -magnitude : magnitude;
        const inRange = t >= -(2n ** 63n) && t <= 2n ** 63n - 1n;
        const read = parseGoInt64(text);
        // Object.is: Go has no negative zero, so "-0" must read as 0.
        assert.ok(Object.is(read, inRange ? Number(t) : undefined), `${text} → ${Object.is(read, -0) ? '-0' : String(read)}`);
      }),
      { numRuns: 500 },
    );
  });
});

/** The exact hexadecimal form of a finite double (`0x1.8p+1`, or with an integer mantissa). */
function hexFloat(d: number, normalised: boolean): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n === 1n ? '-' : '';
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return `${sign}0x${fraction.toString(16)}p-1074`;
  if (normalised) return `${sign}0x1.${fraction.toString(16).padStart(13, '0')}p${biased - 1023 >= 0 ? '+' : ''}${biased - 1023}`;
  return `${sign}0x${((1n << 52n) | fraction).toString(16)}p${biased - 1075}`;
}
