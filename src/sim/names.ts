// Pod names and IPs that look like a real cluster's, derived from the workload's identity only
// (not the seed), so a test can rely on them across seeds and runs.
import type { Workload } from '../collect/index.js';
import { hash32 } from './rng.js';

// The alphabet Kubernetes uses for generated names: no vowels (no words), no 0/1/3 look-alikes.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function safeString(seed: number, length: number): string {
  let text = '';
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = hash32(String(i), state);
    text += SAFE_ALPHABET[state % SAFE_ALPHABET.length];
  }
  return text;
}

/** The pod-template-hash a Deployment's ReplicaSet would carry. */
export function podTemplateHash(namespace: string, workloadName: string): string {
  return safeString(hash32(`${namespace}/${workloadName}`), 10);
}

export interface PodIdentity {
  readonly name: string;
  /** Only Deployment pods have one (it becomes dst_pod_template_hash). */
  readonly templateHash: string | undefined;
}

/** Names for a workload's pods, unique within the workload, in the style its controller uses. */
export function podNames(namespace: string, workload: Workload, count: number): PodIdentity[] {
  if (workload.kind === 'statefulset') {
    return Array.from({ length: count }, (_, ordinal) => ({ name: `${workload.name}-${ordinal}`, templateHash: undefined }));
  }
  const templateHash = workload.kind === 'deployment' ? podTemplateHash(namespace, workload.name) : undefined;
  const prefix = templateHash === undefined ? workload.name : `${workload.name}-${templateHash}`;
  const taken = new Set<string>();
  const pods: PodIdentity[] = [];
  for (let ordinal = 0; pods.length < count; ordinal++) {
    const name = `${prefix}-${safeString(hash32(`${namespace}/${workload.kind}/${workload.name}#${ordinal}`), 5)}`;
    // Two ordinals can hash to the same suffix; a controller would retry, and so do we.
    if (taken.has(name)) continue;
    taken.add(name);
    pods.push({ name, templateHash });
  }
  return pods;
}

/** Hands out pod IPs from 10.42.0.0/16 upwards, skipping network and broadcast-looking ones. */
export class IpAllocator {
  private next = 2;

  allocate(): string {
    for (;;) {
      const n = this.next++;
      const last = n & 255;
      if (last === 0 || last === 255) continue;
      return `10.${42 + (n >>> 16)}.${(n >>> 8) & 255}.${last}`;
    }
  }
}
