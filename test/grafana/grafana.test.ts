// The dashboards and rules as files: current with their TypeScript source, well-formed by Grafana's
// conventions, and the rules checked and unit-tested by promtool itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { generatedFiles } from '../../grafana/src/build.js';
import { recordedSeries, ruleGroups } from '../../grafana/src/rules.js';
import type { AlertingRule } from '../../grafana/src/rules.js';
import { ROOT } from '../packaging/dockerfile.js';
import { prometheusSkipReason } from '../helpers/prometheus.js';
import { PROMTOOL } from '../helpers/promtool.js';
import { allPanels, dashboardFiles, expressions, metricNames } from './dashboards.js';

const run = promisify(execFile);
const skipPromtool = await prometheusSkipReason();
const RULES_FILE = path.join(ROOT, 'grafana/rules/splitstat.rules.yaml');
const RULES_TEST_FILE = path.join(ROOT, 'grafana/rules/splitstat.rules.test.yaml');

describe('generated files', () => {
  for (const { file, text } of generatedFiles()) {
    it(`${file} is what npm run grafana writes`, async () => {
      const committed = await readFile(path.join(ROOT, file), 'utf8');
      assert.ok(committed === text, `${file} is not current: run npm run grafana and commit the result`);
    });
  }
});

describe('dashboards', () => {
  const files = dashboardFiles();

  it('are the three dashboards, with unique, stable uids and a splitstat tag', () => {
    assert.deepEqual(files.map(({ dashboard }) => dashboard.uid).sort(), ['splitstat-overview', 'splitstat-self', 'splitstat-split']);
    for (const { file, dashboard } of files) {
      assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/, file);
      assert.ok(dashboard.tags?.includes('splitstat'), file);
    }
  });

  for (const { file, text, dashboard } of files) {
    describe(file, () => {
      it('has unique panel ids', () => {
        const ids = allPanels(dashboard).map((panel) => panel.id);
        assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(',')}`);
      });

      it('reaches Prometheus only through the datasource variable', () => {
        const variable = dashboard.templating.list.find((candidate) => candidate.name === 'datasource');
        assert.deepEqual({ type: variable?.type, query: variable?.query }, { type: 'datasource', query: 'prometheus' });
        for (const expression of expressions(dashboard)) {
          assert.deepEqual(expression.datasource, { type: 'prometheus', uid: '${datasource}' }, expression.where);
        }
        for (const panel of allPanels(dashboard)) {
          if (panel.type !== 'row') assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
        }
        // No other datasource uid anywhere: Grafana's own (built-in annotations) is the one exception.
        const uids = [...text.matchAll(/"uid": "([^"]*)"/g)].map((match) => match[1]);
        assert.deepEqual(new Set(uids), new Set([dashboard.uid, '${datasource}', '-- Grafana --']));
      });

      it('rates over $__rate_interval (or the whole range, for tables)', () => {
        for (const { expr, where } of expressions(dashboard)) {
          for (const match of expr.matchAll(/\[([^\]]+)\]/g)) assert.ok(['$__rate_interval', '$__range'].includes(match[1] ?? ''), `${where}: [${match[1]}]`);
        }
      });

      it('gives every graph a unit and a description', () => {
        for (const panel of allPanels(dashboard)) {
          if (panel.type === 'row') continue;
          assert.ok((panel.description ?? '').length > 20, `${panel.title}: description`);
          if (panel.type === 'timeseries' || panel.type === 'stat') assert.ok(panel.fieldConfig?.defaults.unit, `${panel.title}: unit`);
        }
      });

      it('links nowhere outside Grafana and runs no script', () => {
        assert.doesNotMatch(text, /https?:\/\//);
        assert.doesNotMatch(text, /<script/i);
        for (const link of dashboard.links ?? []) assert.equal(link.type, 'dashboards');
      });

      it('reads only splitstat\'s own series, the recorded ones of its rules, and its process metrics', () => {
        const recorded = recordedSeries();
        for (const { expr, where } of expressions(dashboard)) {
          for (const name of metricNames(expr)) {
            const known = /^(trafficsplit_|splitstat_)/.test(name) || recorded.has(name) || /^(process_|nodejs_)/.test(name);
            assert.ok(known, `${where}: ${name}`);
          }
        }
      });
    });
  }

  it('finds the metric names an expression reads', () => {
    assert.deepEqual(
      metricNames('sum by (backend) (rate(a_total{namespace="$namespace", x=~"b|c"}[$__rate_interval])) / ignoring (backend) group_left () (sum(b_total offset $__interval) > 0) and on (job) c_info'),
      ['a_total', 'b_total', 'c_info'],
    );
    assert.deepEqual(metricNames('label_values(trafficsplit_info{namespace="$namespace"}, trafficsplit)'), ['trafficsplit_info']);
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))'), ['x_bucket']);
  });
});

describe('rules', () => {
  const alerts = ruleGroups()
    .flatMap((group) => group.rules)
    .filter((rule): rule is AlertingRule => 'alert' in rule);

  it('give every alert a severity, a summary and a description that name what fired', () => {
    assert.ok(alerts.length >= 12, `${alerts.length} alerts`);
    for (const alert of alerts) {
      assert.ok(['critical', 'warning', 'info'].includes(alert.labels.severity), alert.alert);
      assert.ok(alert.annotations.summary.length > 10 && alert.annotations.description.length > 30, alert.alert);
      if (alert.alert.startsWith('TrafficSplit')) {
        for (const label of ['namespace', 'trafficsplit']) assert.match(alert.annotations.summary, new RegExp(`\\$labels\\.${label}\\b`), `${alert.alert} summary names the split`);
        if (alert.alert !== 'TrafficSplitInvalid') assert.match(alert.annotations.summary, /\$labels\.backend\b/, `${alert.alert} summary names the backend`);
      }
    }
  });

  it('are the same groups in the rules file and in the PrometheusRule', async () => {
    const file = parseYaml(await readFile(RULES_FILE, 'utf8')) as { groups: unknown };
    const prometheusRule = parseYaml(await readFile(path.join(ROOT, 'deploy/prometheus-rules/prometheusrule.yaml'), 'utf8')) as { kind: string; spec: { groups: unknown } };
    assert.equal(prometheusRule.kind, 'PrometheusRule');
    assert.deepEqual(prometheusRule.spec.groups, file.groups);
    assert.deepEqual(file.groups, JSON.parse(JSON.stringify(ruleGroups())));
  });

  it('give every alert a promtool case where it fires and one where it stays quiet', async () => {
    interface AlertTest {
      readonly alertname: string;
      readonly exp_alerts?: readonly unknown[];
    }
    const tests = parseYaml(await readFile(RULES_TEST_FILE, 'utf8')) as { tests: readonly { name: string; alert_rule_test?: readonly AlertTest[] }[] };
    const cases = tests.tests.flatMap((group) => group.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const own = cases.filter((test) => test.alertname === alert);
      assert.ok(own.some((test) => (test.exp_alerts ?? []).length > 0), `${alert}: no case where it fires`);
      assert.ok(own.some((test) => (test.exp_alerts ?? []).length === 0), `${alert}: no case where it stays quiet`);
    }
  });

  it('pass promtool check rules', { skip: skipPromtool }, async () => {
    const { stdout } = await run(PROMTOOL, ['check', 'rules', RULES_FILE], { timeout: 30_000 });
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests', { skip: skipPromtool }, async () => {
    const { stdout } = await run(PROMTOOL, ['test', 'rules', RULES_TEST_FILE], { timeout: 60_000, cwd: path.dirname(RULES_TEST_FILE) });
    assert.match(stdout, /SUCCESS/);
  });
});
