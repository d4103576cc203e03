// Reading pods and owners, without a server: the cases the integration tests do not reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { controllerOf, isMeshed, proxyMetricsUrl, readMeshedPod, resolveWorkload } from './index.js';
import { ownerReferences, pod } from '../../../test/helpers/fake-kube/index.js';

const owners = (...list: { kind: string; name: string; controller?: boolean }[]) => ownerReferences(list) as V1OwnerReference[];

describe('pod facts', () => {
  it('recognises a meshed pod by its proxy container, native sidecar or annotation', () => {
    assert.equal(isMeshed(pod({ name: 'a' }) as V1Pod), true);
    assert.equal(isMeshed(pod({ name: 'a', mesh: 'init-container' }) as V1Pod), true);
    assert.equal(isMeshed(pod({ name: 'a', mesh: 'annotation' }) as V1Pod), true);
    assert.equal(isMeshed(pod({ name: 'a', mesh: 'none' }) as V1Pod), false);
    assert.equal(isMeshed({}), false);
  });

  it('reads the address from podIPs when podIP is missing', () => {
    const facts = readMeshedPod({ metadata: { name: 'p', namespace: 'n', annotations: { 'linkerd.io/proxy-version': 'x' } }, status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] } });
    assert.equal(facts?.ip, '10.0.0.1');
    assert.equal(facts?.scrapable, true);
    assert.equal(readMeshedPod({ metadata: { name: 'p', annotations: { 'linkerd.io/proxy-version': 'x' } }, status: { phase: 'Running', podIP: '' } })?.scrapable, false);
  });

  it('brackets IPv6 addresses in the URL', () => {
    assert.equal(proxyMetricsUrl('10.1.2.3', 4191), 'http://10.1.2.3:4191/metrics');
    assert.equal(proxyMetricsUrl('2001:db8::1', 4191), 'http://[2001:db8::1]:4191/metrics');
  });

  it('prefers the controlling owner', () => {
    assert.deepEqual(controllerOf(owners({ kind: 'ConfigMap', name: 'x', controller: false }, { kind: 'StatefulSet', name: 'db' })), { kind: 'statefulset', name: 'db' });
    assert.deepEqual(controllerOf(owners({ kind: 'Job', name: 'j', controller: false })), { kind: 'job', name: 'j' });
    assert.equal(controllerOf([]), undefined);
  });

  it('resolves ReplicaSets through the lookup, the pod-template-hash, or not at all', () => {
    const base = { namespace: 'ns', name: 'web-abc-1', labels: { 'pod-template-hash': 'abc' }, owners: owners({ kind: 'ReplicaSet', name: 'web-abc' }) };
    assert.deepEqual(resolveWorkload(base, () => ({ owner: { kind: 'deployment', name: 'web' } })), { kind: 'deployment', name: 'web' });
    assert.deepEqual(resolveWorkload(base, () => ({ owner: undefined })), { kind: 'replicaset', name: 'web-abc' });
    assert.deepEqual(resolveWorkload(base, () => undefined), { kind: 'deployment', name: 'web' });
    assert.deepEqual(resolveWorkload({ ...base, labels: { 'pod-template-hash': 'zzz' } }, () => undefined), { kind: 'replicaset', name: 'web-abc' });
    assert.deepEqual(resolveWorkload({ ...base, owners: [] }, () => undefined), { kind: 'pod', name: 'web-abc-1' });
  });
});
