// The TrafficSplit CRDs of three installers and the HTTPRoute CRDs (fixtures/crds/README.md), as fake API server types:
// each serves exactly the versions its CRD marks served.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { resourceTypeFromCrd } from '../helpers/fake-kube/index.js';
import type { ResourceType } from '../helpers/fake-kube/index.js';

export type CrdVintage = 'linkerd-smi' | 'osm' | 'smi-sdk-go-v1alpha4';

export function trafficSplitCrd(vintage: CrdVintage): ResourceType {
  return crdType(vintage);
}

/** The HTTPRoute CRDs as Linkerd installs them: Gateway API's and its own policy.linkerd.io one. */
export function httpRouteCrd(group: 'gateway-api' | 'linkerd-policy'): ResourceType {
  return crdType(`${group}-httproutes`);
}

function crdType(file: string): ResourceType {
  const text = readFileSync(new URL(`./fixtures/crds/${file}.yaml`, import.meta.url), 'utf8');
  const crd = parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .find((document) => typeof document === 'object' && document !== null && (document as { kind?: unknown }).kind === 'CustomResourceDefinition');
  return resourceTypeFromCrd(crd);
}
