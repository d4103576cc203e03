// Building blocks of PromQL text, written the way Linkerd's Go code wrote them, so that a query
// for one split is character for character the query Linkerd viz sent (SPEC-stat-ts.md §5).

/** A label matcher as Go's fmt `%s=%q` wrote it. */
export function labelMatcher(name: string, operator: '=' | '=~', value: string): string {
  return `${name}${operator}${goQuote(value)}`;
}

/**
 * `{a="1", b=~"x"}`: the matchers sorted as whole strings (Go's sort.Strings, byte order) and
 * joined with ", ", as Linkerd's generateLabelStringWithRegex did.
 */
export function labelList(matchers: readonly string[]): string {
  const sorted = [...matchers].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return `{${sorted.join(', ')}}`;
}

/** Go's strconv.Quote for the characters label values can hold; PromQL strings use Go's escapes. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\t') out += '\\t';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** RE2 metacharacters in a name, escaped; Kubernetes names have none, so this never changes one. */
export function escapeRegexLiteral(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (char) => `\\${char}`);
}

const PROMQL_DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

/**
 * The range of `[w]`. Linkerd passed the `-t` text verbatim, so does this when Prometheus can
 * read it (`1m`, `1m30s`); Go-only spellings (`1.5m`, `90000ms` is fine, `1m0.5s` is not) are
 * rewritten from the milliseconds.
 */
export function promqlRange(windowMs: number, text?: string): string {
  if (text !== undefined && PROMQL_DURATION.test(text)) return text;
  return formatPromDuration(windowMs);
}

/** 60000 → "1m", 90000 → "1m30s", 1500 → "1s500ms": what Prometheus' own duration printer writes. */
export function formatPromDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}

/** Linkerd rounded each sample with Go's math.Round: half away from zero; NaN counts as 0. */
export function roundSample(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.sign(value) * Math.round(Math.abs(value));
}
