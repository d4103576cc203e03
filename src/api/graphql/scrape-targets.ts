// Query.scrapeTargets: each proxy's last scrape, for the operator asking why a split's numbers
// look wrong. A target is shown to whoever may see its pod's namespace.
import { meshOfGeneration } from '../../mesh/index.js';
import type { TargetStatus } from '../../ingest/index.js';
import type { ServiceContext } from '../context.js';
import type { RequestContext } from './request-context.js';

export interface ScrapeTargetsArgs {
  readonly namespace?: string | null;
  readonly up?: boolean | null;
}

export interface ScrapeTargetView {
  readonly namespace: string;
  readonly pod: string;
  readonly workload: string | null;
  readonly url: string;
  readonly up: boolean;
  readonly reason: string | null;
  readonly lastError: string | null;
  readonly generation: string | null;
  readonly mesh: string | null;
  readonly lastScrapeDurationMs: number;
  readonly lastScrape: string;
}

export function scrapeTargetsResolver(ctx: ServiceContext) {
  return async (_root: unknown, { namespace, up }: ScrapeTargetsArgs, { access, budget }: RequestContext): Promise<(ScrapeTargetView | Promise<ScrapeTargetView>)[]> => {
    if (namespace != null && namespace !== '') await access.require(namespace);
    const statuses = (ctx.engine?.targetStatuses() ?? []).filter(
      (status) => (namespace == null || namespace === '' || status.target.namespace === namespace) && (up == null || status.up === up),
    );
    const views = (await access.filter(statuses.map(viewOf))).sort((a, b) => compare(a.namespace, b.namespace) || compare(a.pod, b.pod) || compare(a.url, b.url));
    return budget.paced(views);
  };
}

function viewOf({ target, up, reason, lastError, generation, lastDurationMs, lastScrapeAtMs }: TargetStatus): ScrapeTargetView {
  return {
    namespace: target.namespace,
    pod: target.pod,
    workload: target.workload === undefined ? null : `${target.workload.kind}/${target.workload.name}`,
    url: target.url,
    up,
    reason: up ? null : (reason ?? null),
    lastError: up ? null : (lastError ?? null),
    generation: generation ?? null,
    mesh: generation === undefined ? null : meshOfGeneration(generation),
    lastScrapeDurationMs: lastDurationMs,
    lastScrape: new Date(lastScrapeAtMs).toISOString(),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
