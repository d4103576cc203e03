import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { BackendStats, StatRow } from '../../stats/index.js';
import { renderStatTs, sortStatRows } from './table.js';
import type { RenderStatTsOptions } from './table.js';

const fixtures = new URL('../../../test/fixtures/cli/', import.meta.url);

function golden(name: string): string {
  return readFileSync(new URL(name, fixtures), 'utf8');
}

/** A real-world capture: the first line is the command that was run, the rest its output. */
function captured(name: string): { command: string; output: string } {
  const text = golden(name);
  const newline = text.indexOf('\n');
  return { command: text.slice(0, newline), output: text.slice(newline + 1) };
}

interface Traffic {
  readonly success: number;
  readonly failure: number;
  readonly windowSeconds?: number;
  /** Unrounded quantiles in ms, as the stat sources hand them over. */
  readonly latencies?: readonly [number, number, number];
}

function stats({ success, failure, windowSeconds = 60, latencies = [0, 0, 0] }: Traffic): BackendStats {
  const total = success + failure;
  return {
    successCount: success,
    failureCount: failure,
    successRate: success / total,
    rps: total / windowSeconds,
    latencyMsP50: latencies[0],
    latencyMsP95: latencies[1],
    latencyMsP99: latencies[2],
    windowSeconds,
  };
}

interface RowSpec {
  readonly namespace?: string;
  readonly name: string;
  readonly apex: string;
  readonly leaf: string;
  readonly weight: string;
  readonly weightRatio?: number | null;
  readonly observedRatio?: number | null;
  readonly traffic?: Traffic;
}

function row(spec: RowSpec): StatRow {
  const value = Number(spec.weight.replace(/m$/, 'e-3').replace(/k$/, 'e3'));
  return {
    namespace: spec.namespace ?? 'default',
    name: spec.name,
    apex: spec.apex,
    leaf: spec.leaf,
    weight: spec.weight,
    weightValue: Number.isFinite(value) ? value : null,
    weightRatio: spec.weightRatio ?? null,
    observedRatio: spec.observedRatio ?? null,
    stats: spec.traffic === undefined ? null : stats(spec.traffic),
  };
}

const table: RenderStatTsOptions = { output: 'table', allNamespaces: false };
const tableAll: RenderStatTsOptions = { output: 'table', allNamespaces: true };
const wide: RenderStatTsOptions = { output: 'wide', allNamespaces: false };
const json: RenderStatTsOptions = { output: 'json', allNamespaces: false };

function assertStdout(rows: readonly StatRow[], options: RenderStatTsOptions, expected: string): void {
  const rendered = renderStatTs(rows, options);
  assert.equal(rendered.stdout, expected);
  assert.equal(rendered.stderr, '');
}

// Linkerd's own test input: two leaves, 123 successes each in 1m (2.05 rps), every quantile 123 ms.
const linkerdGoldenRows = ['service-2', 'service-1'].map((leaf) =>
  row({
    name: 'foo-split',
    apex: 'apex_name',
    leaf,
    weight: leaf === 'service-1' ? '900m' : '100m',
    traffic: { success: 123, failure: 0, latencies: [123, 123, 123] },
  }),
);

describe('renderStatTs against Linkerd’s goldens', () => {
  it('prints the table golden (2.05 rps shows as 2.0rps)', () => {
    assertStdout(linkerdGoldenRows, table, golden('stat_one_ts_output.golden'));
  });

  it('prints the json golden', () => {
    assertStdout(linkerdGoldenRows, json, golden('stat_one_ts_output_json.golden'));
  });

  it('prints the same for -o wide as the table in the columns they share', () => {
    const wideLines = renderStatTs(linkerdGoldenRows, wide).stdout.split('\n');
    const tableLines = golden('stat_one_ts_output.golden').split('\n');
    assert.equal(wideLines.length, tableLines.length);
    wideLines.forEach((line, i) => assert.ok(line.startsWith(tableLines[i] ?? '\0'), line));
  });
});

describe('renderStatTs against real-world Linkerd output', () => {
  it('pr3967-after: success rates, rates and latencies', () => {
    const { command, output } = captured('pr3967-after.txt');
    assert.equal(command, '$ bin/linkerd stat ts');
    const rows = [
      // 68 of 85 requests succeeded in 1m: 80.00%, 1.4166… rps.
      row({ name: 'webapp-split', apex: 'webapp', leaf: 'webapp', weight: '900m', traffic: { success: 68, failure: 17, latencies: [30.7, 98.6, 2529.5] } }),
      // 6 of 10: 60.00%, 0.1666… rps.
      row({ name: 'webapp-split', apex: 'webapp', leaf: 'webapp-2', weight: '100m', traffic: { success: 6, failure: 4, latencies: [35.2, 92.5, 99] } }),
    ];
    assertStdout(rows, table, output);
  });

  it('pr3967-before: leaves without traffic show dashes, and the columns shrink to fit', () => {
    const { output } = captured('pr3967-before.txt');
    const rows = [
      row({ name: 'webapp-split', apex: 'webapp', leaf: 'webapp-2', weight: '100m' }),
      row({ name: 'webapp-split', apex: 'webapp', leaf: 'webapp', weight: '900m' }),
    ];
    assertStdout(rows, table, output);
  });

  it('pr4273: -A adds the NAMESPACE column', () => {
    const { command, output } = captured('pr4273-stat-A-ts.txt');
    assert.ok(command.endsWith('bin/linkerd stat -A ts'));
    const rows = [
      row({ name: 'backend-traffic-split', apex: 'backend-svc', leaf: 'failing-svc', weight: '0' }),
      row({ name: 'backend-traffic-split', apex: 'backend-svc', leaf: 'backend-svc', weight: '500m' }),
    ];
    assertStdout(rows, tableAll, output);
  });

  it('linkerd.io 2.11: integer weights and a leaf that fails every request', () => {
    const { command, output } = captured('website-2.11-linkerd-smi-viz-stat-ts.txt');
    assert.equal(command, 'linkerd viz stat ts/backend-split -n traffic-sample');
    const rows = [
      row({ namespace: 'traffic-sample', name: 'backend-split', apex: 'backend-svc', leaf: 'backend-svc', weight: '500', traffic: { success: 30, failure: 0, latencies: [1, 1, 1.2] } }),
      row({ namespace: 'traffic-sample', name: 'backend-split', apex: 'backend-svc', leaf: 'failing-svc', weight: '500', traffic: { success: 0, failure: 30, latencies: [0.6, 1, 1.49] } }),
    ];
    assertStdout(rows, table, output);
  });
});

describe('renderStatTs against splitstat’s goldens', () => {
  it('rounds SUCCESS and RPS ties to even and latencies half away from zero', () => {
    const tie = (leaf: string, weight: string, traffic: Traffic): StatRow => row({ name: 'ties', apex: 'ties-apex', leaf, weight, traffic });
    const rows = [
      tie('leaf-g', '1500m', { success: 123, failure: 0, latencies: [123, 123, 123] }), // 2.05 rps is below the tie
      tie('leaf-a', '100m', { success: 1, failure: 31, windowSeconds: 128, latencies: [2.5, 30.5, 2529.5] }), // 3.125 %, 0.25 rps
      tie('leaf-b', '200m', { success: 13, failure: 147, windowSeconds: 128, latencies: [0.49, 0.5, 1.5] }), // 8.125 %, 1.25 rps
      tie('leaf-c', '1', { success: 45, failure: 0, latencies: [0.49999999999999994, 1.4999999999999998, 2.5] }), // 0.75 rps
      tie('leaf-d', '0', { success: 31, failure: 1, latencies: [123, 123, 123] }), // 96.875 %
      tie('leaf-e', '5', { success: 2, failure: 133, latencies: [0.5, 1.5, 2.5] }), // 2.25 rps
      tie('leaf-f', '10', { success: 9, failure: 0 }), // 0.15 rps is below the tie
    ];
    assertStdout(rows, table, golden('splitstat-ties.golden'));
  });

  it('sorts -A rows by namespace/split/leaf bytes: prod-eu before prod, prod/web-canary before prod/web', () => {
    const rows = [
      row({ namespace: 'staging-long-ns', name: 'api', apex: 'api', leaf: 'api-v2', weight: '250m', traffic: { success: 0, failure: 1200, latencies: [1, 2, 3] } }),
      row({ namespace: 'prod', name: 'web', apex: 'web', leaf: 'web-v2', weight: '0' }),
      row({ namespace: 'prod', name: 'web', apex: 'web', leaf: 'web-v1', weight: '1', traffic: { success: 60, failure: 0, latencies: [5, 9, 10] } }),
      row({ namespace: 'prod', name: 'web-canary', apex: 'web', leaf: 'web-v2', weight: '100m' }),
      row({ namespace: 'prod', name: 'web-canary', apex: 'web', leaf: 'web-v1', weight: '900m', traffic: { success: 199, failure: 1, latencies: [12, 48, 97] } }),
      row({ namespace: 'prod-eu', name: 'web', apex: 'web', leaf: 'web-v1', weight: '1', traffic: { success: 3, failure: 3, latencies: [5, 9, 10] } }),
      row({ namespace: 'default', name: 'backend-split', apex: 'backend-svc', leaf: 'backend-svc', weight: '500', traffic: { success: 30, failure: 0, latencies: [1, 1, 1] } }),
    ];
    assertStdout(rows, tableAll, golden('splitstat-all-namespaces.golden'));
  });

  it('widens columns for long names; a weight longer than its header leaves the header right-aligned and unpadded, as Linkerd 2.11 printed it', () => {
    const longName = 'a-very-long-trafficsplit-name-that-uses-all-sixty-three-chars-x';
    const rows = [
      row({ name: 's', apex: 'a', leaf: 'b', weight: '2' }),
      row({ name: longName, apex: 'checkout-service-apex', leaf: 'checkout-v1', weight: '1k', traffic: { success: 1, failure: 0, windowSeconds: 3600 } }),
      row({ name: longName, apex: 'checkout-service-apex', leaf: 'checkout-service-v2-canary', weight: '1500001m', traffic: { success: 74069, failure: 7, latencies: [49999.4, 50000, 50000] } }),
    ];
    assertStdout(rows, table, golden('splitstat-long-names.golden'));
  });

  const wideRows = [
    row({ name: 'foo-split', apex: 'apex_name', leaf: 'service-4', weight: 'x' }),
    row({ name: 'foo-split', apex: 'apex_name', leaf: 'service-3', weight: '0', weightRatio: 0 }),
    row({ name: 'foo-split', apex: 'apex_name', leaf: 'service-2', weight: '100m', weightRatio: 0.1, observedRatio: 7 / 16, traffic: { success: 123, failure: 0, latencies: [123, 123, 123] } }),
    row({ name: 'foo-split', apex: 'apex_name', leaf: 'service-1', weight: '900m', weightRatio: 0.9, observedRatio: 9 / 16, traffic: { success: 123, failure: 0, latencies: [123, 123, 123] } }),
  ];

  it('-o wide adds WEIGHT_SHARE and OBSERVED_SHARE after Linkerd’s columns', () => {
    // 9/16 and 7/16 are 56.25 % and 43.75 %: ties, to even.
    assertStdout(wideRows, wide, golden('splitstat-wide.golden'));
    assertStdout(wideRows, { output: 'wide', allNamespaces: true }, golden('splitstat-wide-all-namespaces.golden'));
  });

  it('-o wide leaves the table columns as the table prints them', () => {
    const tableLines = renderStatTs(wideRows, table).stdout.split('\n');
    const wideLines = renderStatTs(wideRows, wide).stdout.split('\n');
    wideLines.forEach((line, i) => assert.ok(line.startsWith(tableLines[i] ?? '\0'), line));
  });

  it('escapes JSON strings as Go does, prints nulls without traffic and omits an empty apex', () => {
    const name = 'split&<x>';
    const apex = 'web<&> "q"';
    const rows = [
      row({ name, apex, leaf: 'web-v2', weight: '500m' }),
      row({ name, apex, leaf: 'web-v1', weight: '500m', traffic: { success: 4, failure: 1, windowSeconds: 30, latencies: [1.5, 2.5, 1e3] } }),
      row({ name: 'no-apex', apex: '', leaf: 'orphan', weight: '1', traffic: { success: 6, failure: 0, windowSeconds: 60_000_000 } }),
    ];
    assertStdout(rows, json, golden('splitstat-escaping.json.golden'));
  });
});

describe('renderStatTs edge cases', () => {
  it('reports an empty result on stderr for tables and as [] for json', () => {
    assert.deepEqual(renderStatTs([], table), { stdout: '', stderr: 'No traffic found.\n' });
    assert.deepEqual(renderStatTs([], tableAll), { stdout: '', stderr: 'No traffic found.\n' });
    assert.deepEqual(renderStatTs([], wide), { stdout: '', stderr: 'No traffic found.\n' });
    assert.deepEqual(renderStatTs([], json), { stdout: golden('splitstat-empty.json.golden'), stderr: '' });
  });

  it('prints rows whose leaves have no traffic (a table, not "No traffic found.")', () => {
    const rendered = renderStatTs([row({ name: 's', apex: 'a', leaf: 'b', weight: '1' })], table);
    assert.equal(rendered.stderr, '');
    assert.equal(rendered.stdout, 'NAME   APEX   LEAF   WEIGHT   SUCCESS   RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99\ns      a      b           1         -     -             -             -             -\n');
  });

  it('keeps every row, in the caller’s order when keys are equal', () => {
    const first = row({ name: 's', apex: 'a', leaf: 'b', weight: '1' });
    const second = row({ name: 's', apex: 'a', leaf: 'b', weight: '2' });
    assert.deepEqual(sortStatRows([first, second]), [first, second]);
    assert.equal(renderStatTs([first, second], json).stdout.match(/"leaf"/g)?.length, 2);
  });

  it('sorts by UTF-8 bytes, not UTF-16 units', () => {
    const bmp = row({ name: 's', apex: 'a', leaf: '\uff5e', weight: '1' });
    const astral = row({ name: 's', apex: 'a', leaf: '\u{1f600}', weight: '1' });
    // UTF-8: EF BD 9E < F0 9F 98 80, while UTF-16 compares 0xFF5E > 0xD83D.
    assert.deepEqual(sortStatRows([astral, bmp]), [bmp, astral]);
    assert.ok('\u{1f600}' < '\uff5e');
  });

  it('fails JSON output like Go when a number cannot be encoded', () => {
    const broken: StatRow = { ...row({ name: 's', apex: 'a', leaf: 'b', weight: '1' }), stats: { ...stats({ success: 1, failure: 0 }), rps: Number.POSITIVE_INFINITY } };
    assert.deepEqual(renderStatTs([broken], json), { stdout: '', stderr: 'json: unsupported value: +Inf\n' });
    assert.match(renderStatTs([broken], table).stdout, /\+Infrps/);
  });
});
