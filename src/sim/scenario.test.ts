import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_SCENARIO_YAML, builtinScenario } from './builtin-scenarios.js';
import { ScenarioError, loadScenarioFile, parseScenarioText } from './scenario.js';

/** The message lines of the ScenarioError that parsing `text` throws. */
function errorsOf(text: string): string[] {
  try {
    parseScenarioText(text, 'scenario.yaml');
  } catch (error) {
    assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${String(error)}`);
    return error.message.split('\n');
  }
  assert.fail('the scenario was accepted');
}

const MINIMAL = `splits:
  - name: web
    apex: web
    backends:
      - service: web-v1
        weight: 1
clients:
  - workload: deployment/client
    calls: [{ split: web, rps: 5 }]
`;

describe('scenario files', () => {
  it('fill in documented defaults', () => {
    const scenario = parseScenarioText(MINIMAL);
    assert.equal(scenario.clusterDomain, 'cluster.local');
    assert.equal(scenario.seed, 1);
    assert.equal(scenario.repeat, false);
    assert.deepEqual(scenario.schedule, []);
    const [split] = scenario.splits;
    assert.equal(split?.namespace, 'default');
    assert.equal(split?.apiVersion, 'split.smi-spec.io/v1alpha2');
    assert.equal(split?.port, 8080);
    assert.deepEqual(split?.backends[0], {
      service: 'web-v1',
      weight: { asWritten: 1, value: 1 },
      pods: 1,
      successRate: 1,
      latency: { p50Ms: 10, p99Ms: 50 },
    });
    const [client] = scenario.clients;
    assert.deepEqual(client, {
      namespace: 'default',
      workload: { kind: 'deployment', name: 'client' },
      pods: 1,
      protocol: 'http',
      mesh: 'linkerd',
      // A bare split name resolves in the client's namespace.
      calls: [{ split: { namespace: 'default', name: 'web' }, rps: 5 }],
    });
  });

  it('keep weights as written and read Quantity values', () => {
    const scenario = parseScenarioText(
      MINIMAL.replace(
        '      - service: web-v1\n        weight: 1\n',
        ['      - { service: a, weight: "950m" }', '      - { service: b, weight: 1.5k }', '      - { service: c, weight: 0 }', '      - { service: d }', ''].join('\n'),
      ),
    );
    assert.deepEqual(
      scenario.splits[0]?.backends.map((backend) => backend.weight),
      [{ asWritten: '950m', value: 0.95 }, { asWritten: '1.5k', value: 1500 }, { asWritten: 0, value: 0 }, undefined],
    );
  });

  it('accept the built-in demo, with its schedule in order and in milliseconds', () => {
    const demo = builtinScenario();
    assert.equal(demo.repeat, true);
    assert.deepEqual(
      demo.schedule.map((step) => [step.afterMs, `${step.split.namespace}/${step.split.name}`, step.backends.map((b) => `${b.service}=${b.weight.asWritten}`).join(' ')]),
      [
        [30_000, 'link/server', 'server-v1=500m server-v2=500m'],
        [30_000, 'link/server', 'server-v1=0 server-v2=1'],
        [0, 'default/web-route', 'web-v1=50 web-v2=50'],
        [30_000, 'link/server', 'server-v2=1'],
        [30_000, 'link/server', 'server-v1=950m server-v2=50m'],
        [0, 'default/web-route', 'web-v1=80 web-v2=20'],
      ],
    );
    const split = demo.splits.find((candidate) => candidate.name === 'backend-service');
    assert.deepEqual(split?.backends.map((b) => [b.service, b.weight?.asWritten]), [
      ['backend-v1', 90],
      ['backend-v2', 10],
    ]);
    const route = demo.splits.find((candidate) => candidate.name === 'web-route');
    assert.deepEqual([route?.kind, route?.apiVersion, route?.apex], ['HTTPRoute', 'gateway.networking.k8s.io/v1', 'web-svc']);
    assert.deepEqual(route?.backends.map((b) => [b.service, b.weight?.asWritten]), [
      ['web-v1', 80],
      ['web-v2', 20],
    ]);
    assert.ok(demo.clients.some((client) => client.protocol === 'grpc'));
    assert.ok(DEMO_SCENARIO_YAML.includes('apiVersion: split.smi-spec.io/v1alpha1'));
    assert.throws(() => builtinScenario('nope'), /no built-in scenario "nope"; available: demo/);
  });

  it('reject unknown keys, naming the path and line', () => {
    assert.deepEqual(errorsOf(MINIMAL.replace('        weight: 1\n', '        weight: 1\n        colour: blue\n')), [
      'scenario.yaml: splits[0].backends[0].colour: unknown key (line 7)',
    ]);
    assert.deepEqual(errorsOf(`${MINIMAL}sede: 42\n`), ['scenario.yaml: sede: unknown key (line 10)']);
  });

  it('reject bad values with messages that say what is expected', () => {
    const bad = (from: string, to: string) => errorsOf(MINIMAL.replace(from, to));
    assert.deepEqual(bad('weight: 1', 'weight: "12x"'), ['scenario.yaml: splits[0].backends[0].weight: "12x" is not a Kubernetes quantity (e.g. 1, 500m, 1.5k) (line 6)']);
    assert.deepEqual(bad('weight: 1', 'weight: -1'), ['scenario.yaml: splits[0].backends[0].weight: must be a non-negative number (line 6)']);
    assert.deepEqual(bad('weight: 1', 'weight: "-500m"'), ['scenario.yaml: splits[0].backends[0].weight: must not be negative (line 6)']);
    assert.deepEqual(bad('weight: 1', 'weight: [1]'), ['scenario.yaml: splits[0].backends[0].weight: must be a number or a Kubernetes quantity string such as "500m" (line 6)']);
    assert.deepEqual(bad('weight: 1', 'weight: 1\n        latency: { p50: 10, p99: 1x }'), [
      'scenario.yaml: splits[0].backends[0].latency.p50: p50 must be a Go duration string such as "30s" or "250ms" (line 7)',
      'scenario.yaml: splits[0].backends[0].latency.p99: time: unknown unit "x" in duration "1x" (line 7)',
    ]);
    assert.deepEqual(bad('weight: 1', 'weight: 1\n        successRate: 1.5'), ['scenario.yaml: splits[0].backends[0].successRate: must be between 0 and 1 (line 7)']);
    assert.deepEqual(bad('weight: 1', 'weight: 1\n        pods: 0'), ['scenario.yaml: splits[0].backends[0].pods: must be at least 1 (line 7)']);
    assert.deepEqual(bad('deployment/client', 'cronjob/client'), [
      'scenario.yaml: clients[0].workload: "cronjob/client" is not "kind/name" with kind one of deployment, statefulset, daemonset, replicaset, job (line 8)',
    ]);
    assert.deepEqual(bad('    apex: web\n', ''), ['scenario.yaml: splits[0].apex: is required (line 2)']);
    assert.deepEqual(bad('apex: web', 'apex: Web_1'), ['scenario.yaml: splits[0].apex: must be a Service name (a DNS label starting with a letter) (line 3)']);
    assert.deepEqual(bad('apex: web', 'apex: 42'), ['scenario.yaml: splits[0].apex: must be a string (line 3)']);
    assert.deepEqual(errorsOf('- just\n- a list\n'), ['scenario.yaml: a scenario must be a YAML mapping (line 1)']);
    assert.deepEqual(errorsOf(''), ['scenario.yaml: a scenario must be a YAML mapping']);
  });

  it('check references and uniqueness across sections', () => {
    const text = `splits:
  - name: web
    apex: web
    backends:
      - { service: web-v1, weight: 1, latency: { p50: 50ms, p99: 20ms } }
      - { service: web-v1, weight: 1 }
  - name: web-too
    apex: web
    backends:
      - { service: web-v1, weight: 1, pods: 3 }
clients:
  - workload: deploy/client
    calls: [{ split: other/web, rps: 1 }]
schedule:
  - after: 0s
    split: default/web
    backends: { web-v3: 1 }
  - after: 10s
    split: web
    backends: {}
`;
    assert.deepEqual(errorsOf(text), [
      'scenario.yaml: splits[0].backends[0].latency.p99: p99 must not be below p50 (line 5)',
      'scenario.yaml: splits[0].backends[1].service: duplicate backend web-v1 (also backends[0]) (line 6)',
      'scenario.yaml: splits[1].apex: apex default/web is already split by splits[0] (line 8)',
      'scenario.yaml: splits[1].backends[0]: default/web-v1 is also declared by splits[0].backends[0] with other pods, successRate or latency; a Service has one set of pods (line 10)',
      'scenario.yaml: clients[0].calls[0].split: no split other/web is declared under splits (line 13)',
      'scenario.yaml: schedule[0].backends.web-v3: web-v3 is not a backend of default/web; declare it under splits[0].backends (without a weight if it should start outside the split) (line 17)',
      'scenario.yaml: schedule[1].split: must name the split as "namespace/name" (line 19)',
      'scenario.yaml: schedule[0].after: the first step must come after the start; write its weights as the initial ones instead (line 15)',
    ]);
    assert.deepEqual(errorsOf(`${MINIMAL}repeat: true\n`), ['scenario.yaml: repeat: there is no schedule to repeat (line 10)']);
  });

  it('report YAML syntax errors with their line', () => {
    const [message] = errorsOf('splits:\n  - name: web\n   apex: [\n');
    assert.match(message ?? '', /^scenario\.yaml: invalid YAML: .* \(line \d\)$/);
    assert.deepEqual(errorsOf('a: 1\na: 2\n').length, 1);
    assert.match(errorsOf('seed: *nowhere\n')[0] ?? '', /^scenario\.yaml: invalid YAML: /);
  });

  it('expose each issue structurally', () => {
    try {
      parseScenarioText(MINIMAL.replace('weight: 1', 'weight: x'), 'mine.yaml');
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ScenarioError);
      assert.equal(error.fileName, 'mine.yaml');
      assert.deepEqual(error.issues, [{ path: 'splits[0].backends[0].weight', message: '"x" is not a Kubernetes quantity (e.g. 1, 500m, 1.5k)', line: 6 }]);
    }
  });

  it('load from a file, naming it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitstat-sim-'));
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(good, MINIMAL);
      assert.equal((await loadScenarioFile(good)).splits[0]?.name, 'web');
      const bad = join(dir, 'canary.yaml');
      await writeFile(bad, MINIMAL.replace('rps: 5', 'rps: -5'));
      await assert.rejects(loadScenarioFile(bad), { name: 'ScenarioError', message: 'canary.yaml: clients[0].calls[0].rps: must not be negative (line 9)' });
      await assert.rejects(loadScenarioFile(join(dir, 'missing.yaml')), /^Error: cannot read scenario file .*missing.yaml: ENOENT$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
