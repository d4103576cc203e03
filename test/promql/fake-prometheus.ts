// A fake Prometheus HTTP API on loopback for the prometheus stat source's tests. It does not
// answer canned strings: it evaluates the queries it gets against an in-memory sample set, so
// Linkerd's per-split queries and splitstat's batched ones see the same data and must agree.
// It understands exactly the PromQL shapes splitstat sends (sum … by, group by, count, label_replace,
// histogram_quantile, increase/irate/rate/last_over_time over a selector, a bare selector, parentheses, and the
// set operators `or`, `and on (…)`, `unless on (…)` with PromQL's precedence); anything else is a
// 400 bad_data, which would fail the test that sent it. A range function's result is the stored
// value itself (the sample set holds "the increase over the window", "the per-second rate"
// directly); a bare selector returns it too (a gauge's value).
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { histogramQuantile } from '../../src/window/index.js';

export interface FakeSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** What increase()/irate()/rate() over the window returns for this series. */
  readonly value: number;
}

/** The queries that asked for numbers: without a schema's probe (QuerySchema.probe), asked once per call. */
export function numberQueries(received: readonly ReceivedQuery[]): ReceivedQuery[] {
  return received.filter((query) => !query.query.startsWith('count('));
}

export interface ReceivedQuery {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly time: string | null;
  readonly headers: IncomingHttpHeaders;
}

/** Replaces evaluation for one request: a status and raw body, or 'hang' to never answer. */
export type Override = (received: ReceivedQuery) => { status: number; body: string } | 'hang' | undefined;

export interface FakePrometheus {
  readonly url: string;
  readonly received: ReceivedQuery[];
  series: FakeSeries[];
  override: Override | undefined;
  close(): Promise<void>;
}

export async function startFakePrometheus(series: FakeSeries[] = []): Promise<FakePrometheus> {
  const received: ReceivedQuery[] = [];
  const fake = { received, series, override: undefined as Override | undefined };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const entry: ReceivedQuery = {
        method: request.method ?? '',
        path: request.url ?? '',
        query: form.get('query') ?? '',
        time: form.get('time'),
        headers: request.headers,
      };
      received.push(entry);
      const overridden = fake.override?.(entry);
      if (overridden === 'hang') return;
      if (overridden !== undefined) {
        response.writeHead(overridden.status, { 'content-type': 'application/json' }).end(overridden.body);
        return;
      }
      let body: unknown;
      let status = 200;
      try {
        const vector = evaluate(entry.query, fake.series);
        body = { status: 'success', data: { resultType: 'vector', result: vector.map(({ labels, value }) => ({ metric: labels, value: [1700000000, formatValue(value)] })) } };
      } catch (error) {
        status = 400;
        body = { status: 'error', errorType: 'bad_data', error: error instanceof Error ? error.message : String(error) };
      }
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

// ---- a tiny evaluator for the shapes splitstat sends

interface Element {
  readonly labels: Record<string, string>;
  readonly value: number;
}

export function evaluate(query: string, series: readonly FakeSeries[]): Element[] {
  const parser = new Parser(query);
  const result = parser.union(series);
  parser.end();
  return result;
}

class Parser {
  #at = 0;
  constructor(readonly text: string) {}

  end(): void {
    if (this.#at !== this.text.length) throw new Error(`unexpected ${JSON.stringify(this.text.slice(this.#at))}`);
  }

  #eat(literal: string): boolean {
    if (!this.text.startsWith(literal, this.#at)) return false;
    this.#at += literal.length;
    return true;
  }

  #expect(literal: string): void {
    if (!this.#eat(literal)) throw new Error(`expected ${JSON.stringify(literal)} at ${this.#at}: ${JSON.stringify(this.text.slice(this.#at, this.#at + 40))}`);
  }

  #until(stop: string): string {
    const end = this.text.indexOf(stop, this.#at);
    if (end < 0) throw new Error(`missing ${JSON.stringify(stop)}`);
    const out = this.text.slice(this.#at, end);
    this.#at = end;
    return out;
  }

  #string(): string {
    this.#expect('"');
    let out = '';
    while (this.#at < this.text.length) {
      const char = this.text[this.#at++] as string;
      if (char === '"') return out;
      if (char === '\\') {
        const next = this.text[this.#at++] as string;
        out += next === 'n' ? '\n' : next;
      } else out += char;
    }
    throw new Error('unterminated string');
  }

  /** `a or b or …`: `or` binds loosest. */
  union(series: readonly FakeSeries[]): Element[] {
    let result = this.#intersection(series);
    while (this.#eat(' or ')) result = or(result, this.#intersection(series));
    return result;
  }

  /** `a and on (…) b`, `a unless on (…) b`, left to right. */
  #intersection(series: readonly FakeSeries[]): Element[] {
    let result = this.expression(series);
    for (;;) {
      const op = this.#eat(' and on (') ? 'and' : this.#eat(' unless on (') ? 'unless' : undefined;
      if (op === undefined) return result;
      const on = this.#until(')').split(', ');
      this.#expect(') ');
      result = setOperation(op, result, this.expression(series), on);
    }
  }

  expression(series: readonly FakeSeries[]): Element[] {
    if (this.#eat('(')) {
      const inner = this.union(series);
      this.#expect(')');
      return inner;
    }
    if (this.#eat('count(')) {
      const inner = this.union(series);
      this.#expect(')');
      return inner.length === 0 ? [] : [{ labels: {}, value: inner.length }];
    }
    if (this.#eat('group by (')) {
      const by = this.#until(')').split(', ');
      this.#expect(') (');
      const inner = this.union(series);
      this.#expect(')');
      return sumBy(inner, by).map((element) => ({ labels: element.labels, value: 1 }));
    }
    if (this.#eat('histogram_quantile(')) {
      const q = Number(this.#until(','));
      this.#expect(', ');
      const inner = this.union(series);
      this.#expect(')');
      return quantile(q, inner);
    }
    if (this.#eat('sum(')) {
      const inner = this.union(series);
      this.#expect(') by (');
      const by = this.#until(')').split(', ');
      this.#expect(')');
      return sumBy(inner, by);
    }
    if (this.#eat('label_replace(')) {
      const inner = this.union(series);
      const args: string[] = [];
      for (let i = 0; i < 4; i++) {
        this.#expect(', ');
        args.push(this.#string());
      }
      this.#expect(')');
      const [destination, replacement, source, regex] = args as [string, string, string, string];
      return labelReplace(inner, destination, replacement, source, regex);
    }
    const fn = /^(increase|irate|rate|last_over_time)\(/.exec(this.text.slice(this.#at));
    const bare = fn === null && /^[a-zA-Z_:][a-zA-Z0-9_:]*/.test(this.text.slice(this.#at));
    if (fn === null && !bare) throw new Error(`unsupported expression at ${JSON.stringify(this.text.slice(this.#at, this.#at + 40))}`);
    if (fn !== null) this.#at += fn[0].length;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(this.text.slice(this.#at))?.[0] ?? '';
    this.#at += name.length;
    const matchers: { label: string; op: string; value: string; regex: RegExp | undefined }[] = [];
    // A bare name has no braces; otherwise matchers until the closing brace.
    const braced = this.#eat('{');
    while (braced && !this.#eat('}')) {
      if (matchers.length > 0) this.#expect(', ');
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(this.text.slice(this.#at))?.[0];
      if (label === undefined) throw new Error('bad matcher');
      this.#at += label.length;
      const op = ['=~', '!~', '!=', '='].find((candidate) => this.text.startsWith(candidate, this.#at));
      if (op === undefined) throw new Error('bad matcher operator');
      this.#at += op.length;
      const value = this.#string();
      matchers.push({ label, op, value, regex: op.includes('~') ? new RegExp(`^(?:${value})$`, 'u') : undefined });
    }
    if (fn !== null) {
      this.#expect('[');
      this.#until(']');
      this.#expect('])');
    }
    // Matchers against a missing label see "" (as Prometheus does).
    const selected = series.filter(
      (candidate) =>
        (name === '' || candidate.name === name) &&
        matchers.every(({ label, op, value, regex }) => {
          const actual = label === '__name__' ? candidate.name : (candidate.labels[label] ?? '');
          if (op === '=') return actual === value;
          if (op === '!=') return actual !== value;
          const matches = regex?.test(actual) === true;
          return op === '=~' ? matches : !matches;
        }),
    );
    return selected.map((candidate) => ({ labels: { ...candidate.labels }, value: candidate.value }));
  }
}

function labelKey(element: Element, on: readonly string[] | undefined): string {
  if (on !== undefined) return JSON.stringify(on.map((name) => element.labels[name] ?? ''));
  return JSON.stringify(Object.entries(element.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `a or b`: all of a, and the elements of b whose label set a does not have. */
function or(left: readonly Element[], right: readonly Element[]): Element[] {
  const seen = new Set(left.map((element) => labelKey(element, undefined)));
  return [...left, ...right.filter((element) => !seen.has(labelKey(element, undefined)))];
}

/** `a and on (…) b` keeps the elements of a matched in b; `unless` those not matched. */
function setOperation(op: 'and' | 'unless', left: readonly Element[], right: readonly Element[], on: readonly string[]): Element[] {
  const keys = new Set(right.map((element) => labelKey(element, on)));
  return left.filter((element) => keys.has(labelKey(element, on)) === (op === 'and'));
}

function labelReplace(input: readonly Element[], destination: string, replacement: string, source: string, regex: string): Element[] {
  const pattern = new RegExp(`^(?:${regex})$`, 'u');
  return input.map((element) => {
    const match = pattern.exec(element.labels[source] ?? '');
    if (match === null) return element;
    const value = replacement.replace(/\$(\d+)/g, (_all, group: string) => match[Number(group)] ?? '');
    const labels = { ...element.labels };
    if (value === '') delete labels[destination];
    else labels[destination] = value;
    return { labels, value: element.value };
  });
}

function sumBy(input: readonly Element[], by: readonly string[]): Element[] {
  const groups = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const element of input) {
    const labels: Record<string, string> = {};
    for (const name of by) {
      const value = element.labels[name];
      if (value !== undefined && value !== '') labels[name] = value;
    }
    const key = JSON.stringify(by.map((name) => labels[name] ?? ''));
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { labels, value: element.value });
    else group.value += element.value;
  }
  return [...groups.values()];
}

function quantile(q: number, input: readonly Element[]): Element[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: { le: number; count: number }[] }>();
  for (const element of input) {
    const { le, ...labels } = element.labels;
    if (le === undefined) continue;
    const key = JSON.stringify(Object.entries(labels).sort());
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels, buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: element.value });
  }
  return [...groups.values()].map(({ labels, buckets }) => ({ labels, value: histogramQuantile(q, buckets) }));
}
