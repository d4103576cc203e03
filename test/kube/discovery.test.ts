// Which TrafficSplit version is watched, on every CRD vintage and on clusters splitstat does not
// know yet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKubeSplits } from '../../src/splits/index.js';

const { chooseSplitVersion, discoverGroupVersions } = await loadKubeSplits();
import { FakeKubeServer, PODS, kubeConfigFor } from '../helpers/fake-kube/index.js';
import { trafficSplitCrd } from './crds.js';

describe('chooseSplitVersion', () => {
  it('takes the preferred version when it is known', () => {
    assert.equal(chooseSplitVersion({ versions: ['v1alpha2', 'v1alpha1'], preferred: 'v1alpha2' }), 'v1alpha2');
    assert.equal(chooseSplitVersion({ versions: ['v1alpha2', 'v1alpha1'], preferred: 'v1alpha1' }), 'v1alpha1');
  });

  it('falls back to the newest known served version', () => {
    assert.equal(chooseSplitVersion({ versions: ['v1alpha1', 'v1alpha3'], preferred: undefined }), 'v1alpha3');
    assert.equal(chooseSplitVersion({ versions: ['v1beta1', 'v1alpha4'], preferred: 'v1beta1' }), 'v1alpha4');
  });

  it('watches an unknown version rather than nothing', () => {
    assert.equal(chooseSplitVersion({ versions: ['v1beta1'], preferred: 'v1beta1' }), 'v1beta1');
    assert.equal(chooseSplitVersion({ versions: ['v2'], preferred: undefined }), 'v2');
  });
});

describe('discoverGroupVersions', () => {
  let kube: FakeKubeServer;
  before(async () => {
    kube = await FakeKubeServer.start();
    kube.serve(PODS);
  });
  after(() => kube.close());

  it('reads served and preferred versions of each CRD vintage', async () => {
    const kubeConfig = kubeConfigFor(kube);
    assert.equal(await discoverGroupVersions(kubeConfig, 'split.smi-spec.io'), undefined);
    const expected = {
      'linkerd-smi': { versions: ['v1alpha2', 'v1alpha1'], preferred: 'v1alpha2' },
      osm: { versions: ['v1alpha2'], preferred: 'v1alpha2' },
      'smi-sdk-go-v1alpha4': { versions: ['v1alpha4'], preferred: 'v1alpha4' },
    } as const;
    for (const [vintage, served] of Object.entries(expected)) {
      kube.serve(trafficSplitCrd(vintage as keyof typeof expected));
      assert.deepEqual(await discoverGroupVersions(kubeConfig, 'split.smi-spec.io'), served, vintage);
    }
  });
});
