// The one way tests build a TrafficSplit: a manifest object put through the real normaliser, so a
// test split is exactly what a file or the cluster would give.
import assert from 'node:assert/strict';
import { normalizeTrafficSplit } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';

export interface SplitSpec {
  readonly namespace: string;
  readonly name: string;
  readonly apiVersion?: string;
  readonly apex: string;
  readonly backends: readonly { readonly service: string; readonly weight: number | string }[];
  readonly labels?: Readonly<Record<string, string>>;
}

export function testSplit({ namespace, name, apiVersion = 'split.smi-spec.io/v1alpha2', apex, backends, labels }: SplitSpec): TrafficSplit {
  const metadata = labels === undefined ? { namespace, name } : { namespace, name, labels };
  const result = normalizeTrafficSplit({ apiVersion, kind: 'TrafficSplit', metadata, spec: { service: apex, backends } });
  assert.ok(result.ok, `test split ${namespace}/${name} normalises`);
  return result.split;
}
