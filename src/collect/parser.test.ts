import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { formatFromContentType, MAX_KEPT_METRIC_NAMES, parseExposition } from './parser.js';
import type { ParseOptions, ParseReport, Sample } from './parser.js';

const FIXTURES = new URL('../../test/fixtures/collect/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** Parses and returns plain copies of the samples alongside the report. */
function collect(text: string | Buffer, options?: ParseOptions): { samples: Sample[]; report: ParseReport } {
  const samples: Sample[] = [];
  const report = parseExposition(text, (sample) => samples.push({ ...sample, labels: { ...sample.labels } }), options);
  return { samples, report };
}

function countByName(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) counts[sample.name] = (counts[sample.name] ?? 0) + 1;
  return counts;
}

/**
 * A deliberately naive reference reader for well-formed lines (regexes, one line at a time), to
 * cross-check the fast parser on the real fixtures. Returns undefined for lines it cannot read.
 */
function referenceLine(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/.exec(line);
  if (match === null) return undefined;
  const [, name = '', block = '', valueText = ''] = match;
  const labels: Record<string, string> = {};
  for (const label of block.matchAll(/\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g)) {
    const [, key = '', raw = ''] = label;
    labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === '\\' || c === '"' ? c : `\\${c}`));
  }
  const value = /^[+-]?inf$/i.test(valueText) ? (valueText.startsWith('-') ? -Infinity : Infinity) : Number(valueText);
  return { name, labels, value };
}

function referenceParse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const sample = referenceLine(line);
    if (sample !== undefined) out.push(sample);
  }
  return out;
}

describe('parseExposition on real Linkerd proxy output', () => {
  it('reads the 2020 outbound HTTP excerpt', () => {
    const { samples, report } = collect(fixture('real-excerpt-2020-outbound-http.txt'));
    assert.deepEqual(report, { samples: 20, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(countByName(samples), { request_total: 12, response_latency_ms_bucket: 8 });
    const outbound = samples.find((s) => s.labels.direction === 'outbound' && s.labels.authority !== undefined);
    assert.deepEqual(outbound?.labels, {
      authority: 'linkerd-prometheus.linkerd.svc.cluster.local:9090',
      direction: 'outbound',
      dst_control_plane_ns: 'linkerd',
      dst_deployment: 'linkerd-prometheus',
      dst_namespace: 'linkerd',
      dst_pod: 'linkerd-prometheus-84c68f7c67-f2xrb',
      dst_pod_template_hash: '84c68f7c67',
      dst_service: 'linkerd-prometheus',
      dst_serviceaccount: 'linkerd-prometheus',
      tls: 'true',
      server_id: 'linkerd-prometheus.linkerd.serviceaccount.identity.linkerd.cluster.local',
    });
    assert.equal(outbound?.value, 98373);
    const buckets = samples.filter((s) => s.name === 'response_latency_ms_bucket');
    assert.deepEqual(
      buckets.map((s) => [s.labels.le, s.value]),
      [['1', 7202], ['2', 8251], ['3', 8639], ['4', 8929], ['5', 9095], ['10', 9566], ['20', 9684], ['30', 9704]],
    );
    assert.equal(samples.at(-2)?.series, 'response_latency_ms_bucket{direction="inbound",tls="no_identity",no_tls_reason="not_provided_by_remote",status_code="200",le="20"}');
  });

  it('reads the 2022 dump: inbound HTTP, outbound TCP, control plane and process metrics', () => {
    const { samples, report } = collect(fixture('real-dump-2022-inbound-http-outbound-tcp.txt'));
    assert.deepEqual(report, { samples: 199, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(countByName(samples), {
      inbound_http_authz_allow_total: 1,
      identity_cert_expiration_timestamp_seconds: 1,
      identity_cert_refresh_count: 1,
      request_total: 1,
      response_latency_ms_bucket: 26,
      response_latency_ms_count: 1,
      response_latency_ms_sum: 1,
      response_total: 1,
      control_request_total: 3,
      control_response_latency_ms_bucket: 78,
      control_response_latency_ms_count: 3,
      control_response_latency_ms_sum: 3,
      control_response_total: 2,
      tcp_open_total: 3,
      tcp_open_connections: 3,
      tcp_read_bytes_total: 3,
      tcp_write_bytes_total: 3,
      tcp_close_total: 1,
      stack_create_total: 9,
      stack_drop_total: 9,
      stack_poll_total: 27,
      stack_poll_total_ms: 9,
      opencensus_span_export_streams: 1,
      opencensus_span_export_requests: 1,
      opencensus_span_exports: 1,
      process_start_time_seconds: 1,
      process_cpu_seconds_total: 1,
      process_open_fds: 1,
      process_max_fds: 1,
      process_virtual_memory_bytes: 1,
      process_resident_memory_bytes: 1,
      proxy_build_info: 1,
    });
    const byName = (name: string): Sample[] => samples.filter((s) => s.name === name);
    const expiry = byName('identity_cert_expiration_timestamp_seconds')[0];
    assert.deepEqual(expiry, { name: 'identity_cert_expiration_timestamp_seconds', labels: {}, value: 1651053543, timestampMs: undefined, series: 'identity_cert_expiration_timestamp_seconds' });
    assert.equal(byName('process_cpu_seconds_total')[0]?.value, 0.07);
    assert.equal(byName('proxy_build_info')[0]?.labels.rust_version, 'rustc 1.59.0 (9d1b2106e 2022-02-23)');
    assert.equal(byName('tcp_close_total')[0]?.labels.errno, '');
    assert.equal(byName('tcp_close_total')[0]?.value, 29);
    const inf = byName('response_latency_ms_bucket').find((s) => s.labels.le === '+Inf');
    assert.equal(inf?.value, 29);
    assert.equal(inf?.labels.srv_name, 'all-unauthenticated');
    assert.equal(byName('response_total')[0]?.labels.classification, 'success');
    assert.deepEqual(byName('control_response_total').map((s) => s.labels.grpc_status), [undefined, '0']);
    assert.equal(byName('tcp_open_total').find((s) => s.labels.peer === 'dst')?.labels.dst_namespace, 'linkerd-opaque-ports-test');
    assert.equal(byName('tcp_write_bytes_total').find((s) => s.labels.direction === 'inbound')?.value, 63256);
  });

  it('counts the lines without a value in the 2.9 telemetry expectations as malformed', () => {
    const { samples, report } = collect(fixture('proxy-v2.89-telemetry-test-expected-lines.txt'));
    assert.equal(report.samples, 64);
    assert.equal(report.malformed, 2);
    assert.equal(report.problems.length, 2);
    assert.match(report.problems[0] ?? '', /^line 1: missing value: "request_total\{authority=/);
    assert.match(report.problems[1] ?? '', /^line 3: missing value: /);
    assert.deepEqual(countByName(samples), {
      request_total: 7,
      response_latency_ms_bucket: 12,
      response_latency_ms_count: 13,
      response_total: 5,
      tcp_open_total: 7,
      tcp_close_total: 10,
      tcp_connection_duration_ms_count: 8,
      tcp_open_connections: 2,
    });
    // The line after a malformed one is read normally.
    assert.deepEqual(samples[0], {
      name: 'request_total',
      labels: { authority: 'tele.test.svc.cluster.local', direction: 'inbound', tls: 'disabled' },
      value: 1,
      timestampMs: undefined,
      series: 'request_total{authority="tele.test.svc.cluster.local",direction="inbound",tls="disabled"}',
    });
    const labeled = samples.filter((s) => s.name === 'response_total');
    assert.deepEqual(
      labeled.map((s) => [s.labels.dst_addr_label, s.labels.dst_set_label, s.labels.classification]),
      [['foo', 'bar', 'success'], ['foo', 'unchanged', 'success'], ['bar', 'unchanged', 'success'], [undefined, 'foo', 'success'], [undefined, 'bar', 'success']],
    );
    assert.deepEqual(samples.filter((s) => s.name === 'tcp_open_connections').map((s) => s.value), [1, 0]);
  });

  it('agrees with a naive line-by-line reader on every fixture', () => {
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.txt'));
    assert.ok(names.length >= 3);
    for (const name of names) {
      const text = fixture(name);
      const { samples } = collect(text);
      assert.deepEqual(
        samples.map(({ name: n, labels, value }) => ({ name: n, labels, value })),
        referenceParse(text),
        name,
      );
    }
  });
});

describe('parseExposition syntax', () => {
  it('unescapes label values and keeps unknown escapes as written', () => {
    const text = 'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\"",odd="a\\tb"} 1.458255915e9\n';
    const { samples, report } = collect(text);
    assert.equal(report.malformed, 0);
    assert.deepEqual(samples[0]?.labels, { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"', odd: 'a\\tb' });
    assert.equal(samples[0]?.value, 1458255915);
    assert.equal(samples[0]?.series, 'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\"",odd="a\\tb"}');
  });

  it('allows whitespace around tokens, a trailing comma and an empty label set', () => {
    const text = [
      'a { x = "1" , y="2" , } 3',
      'a{x="1",y="2",} 4',
      '\tb{} 5',
      'c 6',
      'd   \t 7   ',
      'e{}8',
    ].join('\n');
    const { samples, report } = collect(text);
    assert.equal(report.malformed, 0, report.problems.join('\n'));
    assert.deepEqual(
      samples.map((s) => [s.name, s.labels, s.value, s.series]),
      [
        ['a', { x: '1', y: '2' }, 3, 'a { x = "1" , y="2" , }'],
        ['a', { x: '1', y: '2' }, 4, 'a{x="1",y="2",}'],
        ['b', {}, 5, 'b'],
        ['c', {}, 6, 'c'],
        ['d', {}, 7, 'd'],
        ['e', {}, 8, 'e'],
      ],
    );
  });

  it('reads special, signed, exponent, hexadecimal and underscored values', () => {
    const text = ['v{k="nan"} NaN', 'v{k="pinf"} +Inf', 'v{k="ninf"} -Inf', 'v{k="inf"} Inf', 'v{k="exp"} 1.5e-3', 'v{k="neg"} -0.5', 'v{k="hex"} 0x1p-2', 'v{k="us"} 1_000', 'v{k="big"} 12345678901234567890'].join('\n');
    const { samples, report } = collect(text);
    assert.equal(report.malformed, 0);
    const values: Record<string, number> = Object.fromEntries(samples.map((s) => [s.labels.k ?? '', s.value]));
    assert.ok(Number.isNaN(values.nan));
    assert.deepEqual({ ...values, nan: 0 }, { nan: 0, pinf: Infinity, ninf: -Infinity, inf: Infinity, exp: 0.0015, neg: -0.5, hex: 0.25, us: 1000, big: 12345678901234567000 });
  });

  it('reads optional integer millisecond timestamps', () => {
    const { samples, report } = collect('a 1 1395066363000\nb{x="y"} +Inf -3982045\nc 2   17  \n');
    assert.equal(report.malformed, 0);
    assert.deepEqual(samples.map((s) => s.timestampMs), [1395066363000, -3982045, 17]);
  });

  it('accepts CRLF line endings, blank lines, comments and a missing final newline', () => {
    const text = '# HELP a help\r\n# TYPE a counter\r\n\r\na{x="1"} 1\r\n   \r\n# just a comment\r\na{x="2"} 2';
    const { samples, report } = collect(text);
    assert.deepEqual(report, { samples: 2, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(samples.map((s) => [s.labels.x, s.value, s.series]), [['1', 1, 'a{x="1"}'], ['2', 2, 'a{x="2"}']]);
  });

  it('counts malformed lines, describes the first few, and reads the next line normally', () => {
    const bad = [
      'no_value{a="1"}',
      'no_value_at_all',
      'bad_value{a="1"} 12abc',
      'bad_ts{a="1"} 1 2.5',
      'extra{a="1"} 1 2 3',
      'unterminated{a="1} 5',
      'unterminated_set{a="1" 5',
      'bad_label{1a="x"} 1',
      'no_equals{a "x"} 1',
      'unquoted{a=x} 1',
      'missing_comma{a="1" b="2"} 1',
      'dup{a="1",a="2"} 1',
      '1starts_with_digit 1',
      'bad-char 1',
      '{"utf8.name"} 1',
      'trailing_backslash{a="x\\',
      'overflow 1e999',
    ];
    const text = bad.flatMap((line, i) => [line, `good{i="${i}"} ${i}`]).join('\n');
    const { samples, report } = collect(text, { maxProblems: 3 });
    assert.equal(report.malformed, bad.length);
    assert.equal(report.samples, bad.length);
    assert.deepEqual(samples.map((s) => s.labels.i), bad.map((_, i) => String(i)));
    assert.deepEqual(samples.map((s) => s.value), bad.map((_, i) => i));
    assert.equal(report.problems.length, 3);
    assert.match(report.problems[0] ?? '', /^line 1: missing value/);
    assert.match(report.problems[2] ?? '', /^line 5: invalid value/);
    const all = collect(text, { maxProblems: 100 }).report.problems;
    assert.match(all[5] ?? '', /^line 11: unterminated label value/);
    assert.match(all[11] ?? '', /^line 23: duplicate label "a"/);
  });

  it('keeps a label named __proto__ as an ordinary label', () => {
    const { samples } = collect('a{__proto__="x",b="y"} 1\na{__proto__="z",b="y"} 2\n');
    assert.deepEqual(samples.map((s) => Object.entries(s.labels)), [[['__proto__', 'x'], ['b', 'y']], [['__proto__', 'z'], ['b', 'y']]]);
    assert.equal(Object.getPrototypeOf(samples[0]?.labels), Object.prototype);
  });

  it('gives every sample its own label object', () => {
    const text = ['h_bucket{a="1",le="1"} 1', 'h_bucket{a="1",le="2"} 2', 'h_bucket{a="1",le="+Inf"} 3'].join('\n');
    const seen: Record<string, string>[] = [];
    parseExposition(text, (sample) => {
      const labels = sample.labels as Record<string, string>;
      seen.push(labels);
      labels.a = 'changed by the caller';
    });
    assert.deepEqual(seen.map((l) => l.le), ['1', '2', '+Inf']);
    assert.equal(new Set(seen).size, 3);
    // A caller changing a sample's labels does not leak into the samples after it.
    const { samples } = collect(text);
    assert.deepEqual(samples.map((s) => s.labels.a), ['1', '1', '1']);
  });

  it('reuses leading labels across _bucket, _count and _sum lines correctly', () => {
    const text = [
      'response_latency_ms_bucket{direction="outbound",dst="a",status_code="200",le="1"} 1',
      'response_latency_ms_bucket{direction="outbound",dst="a",status_code="200",le="+Inf"} 2',
      'response_latency_ms_count{direction="outbound",dst="a",status_code="200"} 2',
      'response_latency_ms_sum{direction="outbound",dst="a",status_code="200"} 7',
      'response_latency_ms_sum{direction="outbound",dst="a",status_code="503"} 8',
      'response_latency_ms_bucket{direction="outbound",dst="ab",status_code="200",le="1"} 3',
      'response_total{direction="outbound",dst="ab",status_code="200",classification="success"} 4',
      'response_total{direction="outbound",dst="ab",status_code="500",classification="failure"} 5',
      'response_total{direction="outbound",dst="ab",status_code="500",classification="failure",extra="x"} 6',
      'response_total{direction="outbound",dst="ab",status_code="500"} 7',
    ].join('\n');
    const { samples, report } = collect(text);
    assert.equal(report.malformed, 0, report.problems.join('\n'));
    assert.deepEqual(samples, referenceParse(text).map((r, i) => ({ ...r, timestampMs: undefined, series: text.split('\n')[i]?.replace(/ \d+$/, '') })));
  });
});

describe('parseExposition with OpenMetrics', () => {
  const text = [
    '# TYPE http_requests counter',
    '# UNIT http_requests requests',
    '# HELP http_requests Requests.',
    'http_requests_total{code="200"} 1027 1395066363.5 # {trace_id="abc"} 1 1395066363.1',
    'http_requests_created{code="200"} 1395066000.25',
    '# TYPE latency histogram',
    'latency_bucket{le="0.5"} 3 # {trace_id="def"} 0.3',
    'latency_bucket{le="+Inf"} 4',
    '# EOF',
    '',
  ].join('\n');

  it('reads samples, _created lines and timestamps in seconds, and ignores exemplars', () => {
    const { samples, report } = collect(text, { format: 'openmetrics' });
    assert.deepEqual(report, { samples: 4, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(
      samples.map((s) => [s.name, s.labels, s.value, s.timestampMs]),
      [
        ['http_requests_total', { code: '200' }, 1027, 1395066363500],
        ['http_requests_created', { code: '200' }, 1395066000.25, undefined],
        ['latency_bucket', { le: '0.5' }, 3, undefined],
        ['latency_bucket', { le: '+Inf' }, 4, undefined],
      ],
    );
  });

  it('stops at # EOF and reports what follows it', () => {
    const { samples, report } = collect(`${text}after 1\n\nmore 2\n`, { format: 'openmetrics' });
    assert.equal(samples.length, 4);
    assert.equal(report.malformed, 2);
    assert.deepEqual(report.problems, ['line 10: 2 line(s) after # EOF ignored']);
  });

  it('picks the format from the Content-Type', () => {
    assert.equal(formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8'), 'openmetrics');
    assert.equal(formatFromContentType('text/plain; version=0.0.4; charset=utf-8'), 'text');
    assert.equal(formatFromContentType(undefined), 'text');
    assert.equal(formatFromContentType(null), 'text');
  });
});

describe('parseExposition acceptMetric', () => {
  it('asks once per metric name and skips declined samples without reading them', () => {
    const text = fixture('real-dump-2022-inbound-http-outbound-tcp.txt') + 'response_total{broken="\n';
    const asked: string[] = [];
    const { samples, report } = collect(text, {
      acceptMetric: (name) => {
        asked.push(name);
        return name === 'response_total' || name === 'response_latency_ms_bucket';
      },
    });
    assert.equal(new Set(asked).size, asked.length);
    assert.equal(asked.length, 32);
    assert.deepEqual(countByName(samples), { response_total: 1, response_latency_ms_bucket: 26 });
    assert.equal(report.samples, 27);
    assert.equal(report.skipped, 199 - 27);
    // The broken line belongs to an accepted metric, so it is read and found malformed.
    assert.equal(report.malformed, 1);
  });

  it('does not look at the labels of declined lines', () => {
    const { report } = collect('skip_me{this is not="valid\nkeep 1\n', { acceptMetric: (name) => name === 'keep' });
    assert.deepEqual(report, { samples: 1, skipped: 1, malformed: 0, problems: [] });
  });

  it('keeps the answers between parses given the same function, and asks another function anew', () => {
    const page = 'keep{a="1"} 1\nskip_me{a="1"} 2\nkeep{a="2"} 3\n';
    const asked: string[] = [];
    const accept = (name: string): boolean => {
      asked.push(name);
      return name === 'keep';
    };
    for (let parse = 0; parse < 3; parse++) assert.deepEqual(collect(page, { acceptMetric: accept }).report, { samples: 2, skipped: 1, malformed: 0, problems: [] });
    assert.deepEqual(asked, ['keep', 'skip_me']);
    // Another function may answer otherwise: its own answers count.
    assert.deepEqual(collect(page, { acceptMetric: (name) => name === 'skip_me' }).report, { samples: 1, skipped: 2, malformed: 0, problems: [] });
    assert.deepEqual(collect(page, { acceptMetric: accept }).report, { samples: 2, skipped: 1, malformed: 0, problems: [] });
    assert.deepEqual(asked, ['keep', 'skip_me', 'keep', 'skip_me']);
  });

  it(`asks again once more than ${MAX_KEPT_METRIC_NAMES} names were answered`, () => {
    const names = Array.from({ length: MAX_KEPT_METRIC_NAMES + 1 }, (_, i) => `m${i}`);
    const page = names.map((name) => `${name} 1\n`).join('');
    let asked = 0;
    const accept = (name: string): boolean => {
      asked++;
      return name !== 'm0';
    };
    assert.equal(collect(page, { acceptMetric: accept }).report.samples, MAX_KEPT_METRIC_NAMES);
    assert.equal(collect(page, { acceptMetric: accept }).report.samples, MAX_KEPT_METRIC_NAMES);
    assert.equal(asked, 2 * names.length);
  });

  it('reads the next page whole after a visitor threw half way through one', () => {
    const page = 'a{i="1"} 1\na{i="2"} 2\na{i="3"} 3\n';
    assert.throws(() =>
      parseExposition(page, (sample) => {
        if (sample.value === 2) throw new Error('visitor failed');
      }),
    /visitor failed/);
    const { samples, report } = collect('b 7\n' + page);
    assert.deepEqual(report, { samples: 4, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(samples.map((sample) => sample.series), ['b', 'a{i="1"}', 'a{i="2"}', 'a{i="3"}']);
  });
});

describe('parseExposition with hostile input', () => {
  it('handles empty and comment-only bodies', () => {
    assert.deepEqual(collect('').report, { samples: 0, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(collect('\n\n\r\n').report, { samples: 0, skipped: 0, malformed: 0, problems: [] });
    assert.deepEqual(collect('# HELP a b\n# TYPE a counter\n#\n').report, { samples: 0, skipped: 0, malformed: 0, problems: [] });
  });

  it('survives binary junk', () => {
    let seed = 7;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    const junk = bytes.toString('latin1');
    const { report } = collect(`${junk}\ngood 1\n`);
    assert.ok(report.malformed > 0);
    assert.ok(report.problems.length <= 10);
    // The line after the junk still parses.
    const last: Sample[] = [];
    parseExposition(`${junk}\ngood 1\n`, (s) => last.push(s));
    assert.equal(last.at(-1)?.name, 'good');
  });

  it('handles a 1 MB line, valid or not', () => {
    const big = 'x'.repeat(1024 * 1024);
    const { samples, report } = collect(`big{v="${big}"} 1\nunterminated{v="${big} 1\nnext 2\n`);
    assert.equal(samples.length, 2);
    assert.equal(samples[0]?.labels.v?.length, big.length);
    assert.equal(samples[1]?.name, 'next');
    assert.equal(report.malformed, 1);
    assert.ok((report.problems[0]?.length ?? 0) < 200);
    assert.equal(collect(`${'y'.repeat(1024 * 1024)}\n`).report.malformed, 1);
  });

  it('handles an unterminated quote at the very end of the body', () => {
    const { samples, report } = collect('a 1\nb{c="d');
    assert.equal(samples.length, 1);
    assert.equal(report.malformed, 1);
  });
});

describe('parseExposition fast paths', () => {
  // Lines sharing prefixes, with random mutations; parsing the whole body at once (where lines
  // reuse what the previous line established) must give exactly what parsing each line on its
  // own gives.
  it('gives the same result for a whole body as for each line alone', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[random(items.length)] as T;
    const labelNames = ['a', 'b', 'dst', 'direction', 'authority', '__proto__', 'tls'];
    const values = ['1', '2', 'x', '', 'a\\"b', 'a\\\\', 'long-value-long-value-long', 'a,b}c', 'p\\nq'];
    const separators = [',', ', ', ' , '];
    const render = (name: string, labels: readonly (readonly [string, string])[], value: string): string =>
      `${name}{${labels.map(([k, v]) => `${k}${pick(['=', '=', ' = '])}"${v}"`).join(pick(separators))}${pick(['', '', ','])}} ${value}`;
    const lines: string[] = [];
    while (lines.length < 6000) {
      // A family of lines sharing leading labels, like a histogram or a response counter.
      // Distinct names, except now and then a duplicate (which makes every line malformed).
      const shuffled = [...labelNames].sort(() => random(3) - 1);
      const base = shuffled.slice(0, 1 + random(6)).map((name) => [name, pick(values)] as const);
      if (random(20) === 0) base.push([base[0]?.[0] ?? 'a', 'dup']);
      const family = pick(['m', 'response_total', 'request_total', 'tcp_open_total']);
      for (let n = 1 + random(8); n > 0; n--) {
        const variant = random(6);
        let line: string;
        if (variant === 0) line = render(`${family}_count`, base, String(random(100)));
        else if (variant === 1) line = render(`${family}_sum`, base.slice(0, Math.max(1, base.length - 1)), '2.5');
        else if (variant === 2) line = render(family, [...base, ['status_code', pick(['200', '503'])], ['classification', pick(['success', 'failure'])]], '1');
        else line = render(`${family}_bucket`, [...base, ['le', pick(['1', '5', '+Inf'])]], String(random(1000)));
        if (random(12) === 0) {
          // Corrupt it: cut it short or insert a stray character.
          const at = random(line.length);
          line = random(2) === 0 ? line.slice(0, at) : line.slice(0, at) + pick(['"', ',', '=', ' ', '\\', '{', '}', 'x']) + line.slice(at);
        }
        lines.push(line + pick(['', '', ' 1700000000000', '\r']));
      }
    }
    const text = lines.join('\n');
    const whole = collect(text);
    const perLine: Sample[] = [];
    let malformed = 0;
    for (const line of lines) {
      const result = collect(line);
      perLine.push(...result.samples);
      malformed += result.report.malformed;
    }
    assert.ok(whole.samples.length > 3000, `only ${whole.samples.length} samples`);
    assert.ok(malformed > 200, `only ${malformed} malformed`);
    assert.equal(whole.report.malformed, malformed);
    assert.deepEqual(whole.samples, perLine);
  });

  it('skips declined lines without labels in the page bytes only where the text path would', () => {
    // A proxy page's process metrics between its known series: each declined line must be
    // skipped or refused exactly as the text path does, whatever its value looks like.
    const values = ['7', '12.5', '0.25', '1.', '.5', '1..2', '1.5.5', '1e3', '-1', 'NaN', 'x', '7x', '12.5e', '3-', '7 1700000000000', '7 ', '7\r', ''];
    const acceptMetric = (name: string): boolean => name !== 'process_cpu_seconds_total';
    for (const value of values) {
      for (const blank of [' ', '  ', '\t']) {
        const text = `a{i="1"} 1\nprocess_cpu_seconds_total${blank}${value}\na{i="2"} 2\n`;
        const asText = collect(text, { acceptMetric });
        const known = ['a{i="1"}', 'a{i="2"}'];
        const asBytes = collect(Buffer.from(text), {
          acceptMetric,
          expected: { expectedSeries: (index) => known[index], expectedBytes: (index) => (known[index] === undefined ? undefined : Buffer.from(known[index])) },
        });
        // As the scrape engine reads them: bytes its page reader has found to be ASCII.
        const asAsciiBytes = collect(Buffer.from(text), {
          acceptMetric,
          expected: { expectedSeries: (index) => known[index], expectedBytes: (index) => (known[index] === undefined ? undefined : Buffer.from(known[index])) },
          asciiBytes: true,
        });
        const label = JSON.stringify(`${blank}${value}`);
        assert.deepEqual(asBytes.samples.map((sample) => [sample.series, sample.value]), [['a{i="1"}', 1], ['a{i="2"}', 2]], label);
        assert.deepEqual(asBytes.report, asText.report, label);
        assert.deepEqual(asAsciiBytes, asBytes, label);
      }
    }
  });
});
