import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeTrafficSplit } from './normalize.js';
import type { TrafficSplit } from './model.js';
import { sharedBackendIssues } from './shared-backends.js';
import { SplitStore } from './store.js';

function split(namespace: string, name: string, apex: string, services: readonly string[]): TrafficSplit {
  const result = normalizeTrafficSplit({
    apiVersion: 'split.smi-spec.io/v1alpha2',
    kind: 'TrafficSplit',
    metadata: { namespace, name },
    spec: { service: apex, backends: services.map((service) => ({ service, weight: 1 })) },
  });
  assert.ok(result.ok);
  return result.split;
}

describe('shared backends', () => {
  const web = split('prod', 'web', 'web', ['web-v1', 'web-v2']);
  const shadow = split('prod', 'shadow', 'shadow', ['web-v2', 'shadow-v1']);
  const elsewhere = split('staging', 'web', 'web', ['web-v1', 'web-v2']);

  it('flags a backend another split of the namespace lists, on every split involved', () => {
    const issues = sharedBackendIssues([web, shadow, elsewhere]);
    assert.deepEqual([...issues.keys()].sort(), ['prod/shadow', 'prod/web']);
    assert.deepEqual(issues.get('prod/web'), [
      {
        code: 'shared-backend',
        backend: 'web-v2',
        message: 'backend web-v2 is also listed by prod/shadow: Linkerd 2.13+ clients that call more than one of these apexes have its requests counted for each',
      },
    ]);
    assert.equal(issues.get('prod/shadow')?.[0]?.message.includes('also listed by prod/web'), true);
  });

  it('does not flag a split that lists a backend twice (that is duplicate-backend)', () => {
    assert.equal(sharedBackendIssues([split('prod', 'twice', 'twice', ['a', 'a'])]).size, 0);
  });

  it('the store adds them to a split’s own issues and follows changes', () => {
    const store = new SplitStore();
    store.upsert(web);
    assert.deepEqual(store.issuesOf(web), []);
    store.upsert(shadow);
    assert.deepEqual(store.issuesOf(web).map((issue) => issue.code), ['shared-backend']);
    store.delete('prod/shadow');
    assert.deepEqual(store.issuesOf(web), []);
    // The split's own issues stay first, and stay its own.
    const broken = split('prod', 'broken', 'broken', []);
    store.upsert(broken);
    assert.deepEqual(store.issuesOf(broken).map((issue) => issue.code), ['no-backends']);
  });
});
