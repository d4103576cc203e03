// Backends listed by more than one split of a namespace. Proxies that name only the backend a
// request went to (Linkerd 2.13+) cannot say which of those splits' apexes the client called,
// so such a backend's requests count for each of them; every split involved says so. HTTPRoute
// splits are counted by route, exactly, and take no part.
import type { SplitIssue, TrafficSplit } from './model.js';

/** By split key: one `shared-backend` issue per backend that another split also lists. */
export function sharedBackendIssues(splits: readonly TrafficSplit[]): Map<string, SplitIssue[]> {
  const listedBy = new Map<string, TrafficSplit[]>();
  for (const split of splits) {
    if (split.kind !== 'TrafficSplit') continue;
    for (const service of new Set(split.backends.map((backend) => backend.service))) {
      const key = `${split.namespace}/${service}`;
      listedBy.set(key, [...(listedBy.get(key) ?? []), split]);
    }
  }
  const issues = new Map<string, SplitIssue[]>();
  for (const [key, sharing] of listedBy) {
    if (sharing.length < 2) continue;
    const service = key.slice(key.indexOf('/') + 1);
    for (const split of sharing) {
      const others = sharing.filter((other) => other !== split).map((other) => other.key);
      issues.set(split.key, [
        ...(issues.get(split.key) ?? []),
        {
          code: 'shared-backend',
          backend: service,
          message: `backend ${service} is also listed by ${others.join(', ')}: Linkerd 2.13+ clients that call more than one of these apexes have its requests counted for each`,
        },
      ]);
    }
  }
  return issues;
}
