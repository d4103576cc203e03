// Every PromQL expression of the dashboards, run as Grafana would run it against a real Prometheus
// that scraped a running `splitstat demo` with splitstat's rules loaded: each must parse, and return
// data for the demo's splits (or, for the few that show exceptions, exactly where the exception is).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { recordedSeries } from '../../grafana/src/rules.js';
import { ROOT } from '../packaging/dockerfile.js';
import { prometheusSkipReason, startPrometheus, staticTarget, waitUntil } from '../helpers/prometheus.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';
import { dashboardFiles, expressions, metricNames } from './dashboards.js';
import type { DashboardJson, Expression } from './dashboards.js';
import { expand } from './grafana-variables.js';
import type { Selection, Timing } from './grafana-variables.js';

const skip = await prometheusSkipReason();
const SCRAPE_MS = 1000;
const JOB = 'splitstat';

/**
 * The demo's built-in scenario, its weight changes every 3 s instead of every 30 s, plus a split
 * whose weights are all 0 (an invalid split, for the panels that show issues).
 */
async function testScenario(): Promise<string> {
  const { DEMO_SCENARIO_YAML } = await import('../../src/sim/index.js');
  const scenario = parseYaml(DEMO_SCENARIO_YAML) as { splits: unknown[]; schedule: { after: string }[] };
  for (const step of scenario.schedule) if (step.after === '30s') step.after = '3s';
  scenario.splits.push({
    namespace: 'default',
    name: 'retired',
    apex: 'retired',
    backends: [
      { service: 'retired-v1', weight: 0 },
      { service: 'retired-v2', weight: 0 },
    ],
  });
  return stringify(scenario);
}

interface Answer {
  readonly status: string;
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: readonly { readonly metric: Record<string, string> }[] } | readonly string[];
}

describe('dashboard queries against a real Prometheus scraping splitstat demo', { skip, timeout: 180_000 }, () => {
  let dir = '';
  let demo: ChildProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  let demoUrl = '';
  let startedAt = 0;
  let metricsText = '';

  const api = async (endpoint: string, params: Record<string, string>): Promise<Answer> => {
    const response = await fetch(`${prometheus?.url ?? ''}${endpoint}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(15_000) });
    return (await response.json()) as Answer;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-grafana-test-'));
    const scenarioFile = path.join(dir, 'scenario.yaml');
    await writeFile(scenarioFile, await testScenario());
    demo = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'demo', '--scenario', scenarioFile, '--scrape-interval', '500ms', '-t', '15s', '--listen', '127.0.0.1:0', '--exit-after', '150s'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    demo.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    await waitUntil(() => /metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.test(output), 30_000).catch((error: unknown) => {
      throw new Error(`the demo did not start: ${String(error)}\n${output}`, { cause: error });
    });
    demoUrl = /metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output)?.[1] ?? '';
    prometheus = await startPrometheus({
      jobs: [{ name: JOB, targets: [staticTarget(`${demoUrl}/metrics`)], honorLabels: true }],
      scrapeIntervalMs: SCRAPE_MS,
      ruleFiles: [path.join(ROOT, 'grafana/rules/splitstat.rules.yaml')],
    });
    // The dashboards' time range starts at the first scrape (Prometheus applies its targets a few
    // seconds after it starts), as a real dashboard's range lies within scraped history.
    await prometheus.waitForScrapes(JOB, 1, 30_000);
    startedAt = Date.now();
    // Queries for the GraphQL latency panel, while Prometheus scrapes.
    const ask = () => fetch(`${demoUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ trafficSplits { name backends { service stats { rps } } } }' }) });
    for (let i = 0; i < 5; i++) assert.equal((await ask()).status, 200);
    // Two weight steps of the schedule (3 s apart), and enough scrapes for rates over 4 s.
    await prometheus.waitForScrapes(JOB, 12, 40_000);
    for (let i = 0; i < 5; i++) assert.equal((await ask()).status, 200);
    await prometheus.waitForScrapes(JOB, 3, 20_000);
    metricsText = await (await fetch(`${demoUrl}/metrics`)).text();
  });

  after(async () => {
    await prometheus?.stop();
    demo?.kill('SIGTERM');
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const timing = (): Timing => ({ rangeMs: Date.now() - startedAt, scrapeIntervalMs: SCRAPE_MS, maxDataPoints: 1000 });

  /** Runs an expression as Grafana runs it; returns the series it gave (throws on a query error). */
  const run = async (expression: Expression, variables: Readonly<Record<string, Selection>>): Promise<Record<string, string>[]> => {
    const t = timing();
    const promql = expand(expression.expr, variables, t);
    const end = Date.now() / 1000;
    let answer: Answer;
    if (expression.kind === 'variable') {
      // label_values(selector, label): Grafana asks the label values API, matched by the selector.
      const match = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(promql);
      assert.ok(match, `${expression.where}: not label_values(…): ${promql}`);
      answer = await api(`/api/v1/label/${match[2] ?? ''}/values`, { 'match[]': match[1] ?? '', start: String(startedAt / 1000), end: String(end) });
      assert.equal(answer.status, 'success', `${expression.where}: ${promql}: ${answer.error ?? ''}`);
      return (answer.data as readonly string[]).map((value) => ({ value }));
    }
    // An annotation compares each step with the one before: at the first scrapes every backend
    // would look as if it had just joined, which on a real dashboard happens only where a split's
    // series begin. So annotations are asked from a few scrapes in.
    const start = (startedAt + (expression.kind === 'annotation' ? 2 * SCRAPE_MS : 0)) / 1000;
    answer = expression.instant
      ? await api('/api/v1/query', { query: promql, time: String(end) })
      : await api('/api/v1/query_range', { query: promql, start: String(start), end: String(end), step: String(Math.max(1, Math.round(t.rangeMs / 1000 / 1000))) });
    assert.equal(answer.status, 'success', `${expression.where}: ${promql}: ${answer.error ?? ''}`);
    const data = answer.data as { result: readonly { metric: Record<string, string> }[] };
    return data.result.map((series) => series.metric);
  };

  const dashboard = (uid: string): DashboardJson => {
    const found = dashboardFiles().find((file) => file.dashboard.uid === uid);
    assert.ok(found, uid);
    return found.dashboard;
  };

  it('reads only series splitstat exports, or its rules record', async () => {
    const families = new Set<string>();
    for (const [, name, type] of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (name === undefined) continue;
      families.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) families.add(name + suffix);
    }
    const recorded = recordedSeries();
    const rules = parseYaml(await readFile(path.join(ROOT, 'grafana/rules/splitstat.rules.yaml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const everywhere = [
      ...dashboardFiles().flatMap(({ dashboard: d }) => expressions(d).map(({ expr, where }) => ({ expr, where: `${d.uid} ${where}` }))),
      ...rules.groups.flatMap((group) => group.rules.map((rule) => ({ expr: rule.expr, where: `rule ${rule.expr.slice(0, 60)}` }))),
    ];
    for (const { expr, where } of everywhere) {
      for (const name of metricNames(expr)) assert.ok(families.has(name) || recorded.has(name), `${where}: ${name} is not a series splitstat exports`);
    }
  });

  it('evaluates every recording rule and alert without error, and records every series', async () => {
    const answer = (await (await fetch(`${prometheus?.url ?? ''}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = answer.data.groups.flatMap((group) => group.rules);
    assert.ok(rules.length >= 25, `${rules.length} rules loaded`);
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`);
    for (const name of recordedSeries()) {
      const series = await prometheus?.query(`count(${name})`);
      assert.ok((series?.[0]?.value ?? 0) > 0, `${name} has no series`);
    }
  });

  it('Split: the variables list the demo\'s namespaces and splits', async () => {
    const split = dashboard('splitstat-split');
    const [namespaceVariable, splitVariable] = expressions(split).filter((expression) => expression.kind === 'variable');
    assert.ok(namespaceVariable && splitVariable);
    assert.deepEqual((await run(namespaceVariable, {})).map((row) => row.value), ['default', 'link', 'shop']);
    assert.deepEqual((await run(splitVariable, { namespace: 'default' })).map((row) => row.value), ['backend-service', 'retired', 'web-route']);
    assert.deepEqual((await run(splitVariable, { namespace: 'link' })).map((row) => row.value), ['server']);
    assert.deepEqual((await run(splitVariable, { namespace: 'shop' })).map((row) => row.value), ['checkout']);
  });

  it('Split: every panel shows each split with traffic; issues and weight changes only where they are', async () => {
    const split = dashboard('splitstat-split');
    const withTraffic = [
      ['default', 'backend-service'],
      ['default', 'web-route'],
      ['link', 'server'],
      // Called by Istio clients: its histogram has Istio's buckets.
      ['shop', 'checkout'],
    ] as const;
    for (const expression of expressions(split).filter((candidate) => candidate.kind !== 'variable')) {
      const shown = new Set<string>();
      for (const [namespace, name] of [...withTraffic, ['default', 'retired'] as const]) {
        if ((await run(expression, { namespace, split: name })).length > 0) shown.add(name);
      }
      if (expression.where.startsWith('panel "Issues"')) assert.deepEqual([...shown], ['retired'], expression.where);
      else if (expression.kind === 'annotation') assert.deepEqual([...shown].sort(), ['server', 'web-route'], `${expression.where}: only the splits whose weights the schedule changed`);
      else for (const [, name] of withTraffic) assert.ok(shown.has(name), `${expression.where}: nothing for ${name}`);
    }
  });

  it('Split: the table\'s shares are the demo\'s (backend-service 90/10)', async () => {
    const table = expressions(dashboard('splitstat-split')).filter((expression) => expression.where.startsWith('panel "Backends over the whole range'));
    const value = async (refId: string, backend: string): Promise<number> => {
      const expression = table.find((candidate) => candidate.where.endsWith(` ${refId}`));
      assert.ok(expression, refId);
      const samples = await prometheus?.query(expand(expression.expr, { namespace: 'default', split: 'backend-service' }, timing()));
      return samples?.find((sample) => sample.metric.backend === backend)?.value ?? Number.NaN;
    };
    assert.equal(await value('A', 'backend-v2'), 10);
    assert.equal(await value('B', 'backend-v2'), 0.1);
    const observed = await value('C', 'backend-v2');
    assert.ok(Math.abs(observed - 0.1) < 0.05, `observed share of backend-v2: ${observed}`);
    const success = await value('D', 'backend-v1');
    assert.ok(success > 0.98 && success <= 1, `success rate of backend-v1: ${success}`);
  });

  it('Overview: every panel shows data for the demo\'s namespaces, and counts the invalid split', async () => {
    const overview = dashboard('splitstat-overview');
    const namespaces = ['default', 'link', 'shop'];
    for (const expression of expressions(overview)) {
      assert.ok((await run(expression, { namespace: namespaces })).length > 0, `${expression.where}: no data`);
    }
    const invalid = expressions(overview).find((expression) => expression.where.startsWith('panel "Invalid splits"'));
    assert.ok(invalid);
    const count = await prometheus?.query(expand(invalid.expr, { namespace: namespaces }, timing()));
    assert.equal(count?.[0]?.value, 1);
  });

  it('splitstat: every panel shows data, and no proxy is down', async () => {
    const self = dashboard('splitstat-self');
    const instances = [new URL(demoUrl).host];
    for (const expression of expressions(self)) {
      const series = await run(expression, { instance: instances });
      if (expression.where.startsWith('panel "Proxies down, and why"')) assert.equal(series.length, 0, expression.where);
      else assert.ok(series.length > 0, `${expression.where}: no data`);
    }
  });
});
