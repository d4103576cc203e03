// The simulator over real sockets (loopback only): what a scraper sees, including targets that
// misbehave. Every test stops its simulator, and every fetch has a timeout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinScenario } from './builtin-scenarios.js';
import { Simulator } from './simulator.js';
import { parseSamples } from '../../test/helpers/sim.js';

const TIMEOUT = { timeout: 15_000 };

async function withStarted(test: (sim: Simulator) => Promise<void>, now: () => number = () => 1_700_000_000_000): Promise<void> {
  const sim = new Simulator({ scenario: builtinScenario(), now });
  try {
    await sim.start();
    await test(sim);
  } finally {
    await sim.stop();
  }
}

function get(url: string, timeoutMs = 2_000): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
}

describe('Simulator over HTTP', TIMEOUT, () => {
  it('serves each client pod on its own loopback port', async () => {
    await withStarted(async (sim) => {
      sim.advance(12_000);
      const targets = sim.targets();
      assert.equal(targets.length, 9);
      assert.equal(new Set(targets.map((target) => target.url)).size, 9);
      for (const target of targets) {
        const pod = sim.clientPods().find((candidate) => candidate.pod === target.pod);
        assert.ok(pod !== undefined);
        // Each sidecar at its own path: Linkerd's admin /metrics, Istio's merged /stats/prometheus.
        assert.match(target.url, pod.mesh === 'istio' ? /^http:\/\/127\.0\.0\.1:\d+\/stats\/prometheus$/ : /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        assert.equal(target.namespace, pod.namespace);
        assert.deepEqual(target.workload, pod.workload);
        assert.match(target.pod, new RegExp(`^${pod.workload.name}-[a-z0-9]{10}-[a-z0-9]{5}$`));

        const response = await get(target.url);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
        const body = await response.text();
        assert.equal(body, sim.metricsText(target.pod));
        const [family, side] = pod.mesh === 'istio' ? ['istio_requests_total', { reporter: 'source' }] : ['response_total', { direction: 'outbound' }];
        assert.ok(parseSamples(body).some((s) => s.name === family && Object.entries(side).every(([name, value]) => s.labels[name] === value)), target.pod);
      }
      const notFound = await get(targets[0]!.url.replace('/metrics', '/ready'));
      assert.equal(notFound.status, 404);
      await notFound.body?.cancel();
    });
  });

  it('serves the counters as they are at the moment of the request', async () => {
    await withStarted(async (sim) => {
      const [target] = sim.targets();
      const total = async () =>
        parseSamples(await (await get(target!.url)).text())
          .filter((s) => s.name === 'request_total' && s.labels.direction === 'outbound' && s.labels.authority?.includes('.svc.cluster.local:8080'))
          .reduce((sum, s) => sum + s.value, 0);
      assert.equal(await total(), 0);
      sim.advance(10_000);
      assert.equal(await total(), 120, 'web pods call backend-service at 12 rps');
      sim.advance(5_000);
      assert.equal(await total(), 180);
    });
  });

  it('refuses connections after stop()', async () => {
    const sim = new Simulator({ scenario: builtinScenario() });
    await sim.start();
    const [target] = sim.targets();
    await sim.stop();
    await assert.rejects(get(target!.url, 1_000));
    assert.throws(() => sim.targets(), /not started/);
    await sim.stop(); // idempotent
  });

  it('can misbehave the ways real targets do, per pod', async () => {
    await withStarted(async (sim) => {
      sim.advance(5_000);
      const [broken, healthy] = sim.targets();
      const pod = broken!.pod;

      sim.setPodHealth(pod, 'garbage');
      const garbage = await get(broken!.url);
      assert.equal(garbage.status, 200);
      const garbageText = await garbage.text();
      assert.throws(() => parseSamples(garbageText), /unreadable/);

      sim.setPodHealth(pod, 'http500');
      const failing = await get(broken!.url);
      assert.equal(failing.status, 500);
      await failing.body?.cancel();

      sim.setPodHealth(pod, 'reset');
      await assert.rejects(get(broken!.url));

      sim.setPodHealth(pod, 'hang');
      await assert.rejects(get(broken!.url, 300), { name: 'TimeoutError' });

      // The other pods are unaffected throughout.
      const other = await get(healthy!.url);
      assert.equal(other.status, 200);
      await other.body?.cancel();

      sim.setPodHealth(pod, 'ok');
      const recovered = await get(broken!.url);
      assert.equal(recovered.status, 200);
      assert.equal(await recovered.text(), sim.metricsText(pod));
    });
  });

  it('stops promptly while a request hangs', async () => {
    const sim = new Simulator({ scenario: builtinScenario() });
    await sim.start();
    const [target] = sim.targets();
    sim.setPodHealth(target!.pod, 'hang');
    const pending = get(target!.url, 10_000).then(
      () => 'answered',
      () => 'failed',
    );
    // Let the request reach the server before stopping.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sim.stop();
    assert.ok(performance.now() - started < 2_000, 'stop() must not wait for hanging requests');
    assert.equal(await pending, 'failed');
  });

  it('advances by real elapsed time in live mode', async () => {
    let clock = 1_000_000;
    await withStarted(
      async (sim) => {
        sim.run(5);
        clock += 2_500;
        const deadline = performance.now() + 5_000;
        while (sim.elapsedMs < 2_500 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        assert.equal(sim.elapsedMs, 2_500);
        assert.ok(sim.truth().select().total > 0);
        await sim.stop();
        clock += 10_000;
        await new Promise((resolve) => setTimeout(resolve, 30));
        assert.equal(sim.elapsedMs, 2_500, 'stop() ends live mode');
      },
      () => clock,
    );
  });
});
