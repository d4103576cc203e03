// Which Linkerd proxy wrote a page, as far as split traffic is concerned. The label that names
// the apex changed in Linkerd 2.13 (linkerd2-proxy v2.197, March 2023):
//
// - up to 2.12 (proxy ≤ v2.185), `authority` on outbound `response_total`/`response_latency_ms`
//   is the logical address the client called, so under a TrafficSplit it names the apex while
//   `dst_service` names the leaf (linkerd/app/outbound/src/endpoint.rs at v2.185.0);
// - since 2.13, each ServiceProfile dstOverride (what linkerd-smi writes for a TrafficSplit) is a
//   concrete backend whose `authority` is the leaf's own address
//   (linkerd/app/outbound/src/http/logical/profile.rs: `authority: Some(t.addr.as_http_authority())`),
//   so both labels name the leaf and the apex is on none of these series.
//
// A 2.13+ page is recognised by the families its new outbound stack writes: the per-route-backend
// counters (`outbound_http_route_backend_requests_total`, v2.196), the route families and the
// balancer gauge `outbound_http_balancer_endpoints` (v2.197/v2.198: written once a balancer
// exists, which is as soon as the proxy sends a request to a Service, split or not). None of them
// exists in 2.12 or earlier.

import type { ExpositionBody } from '../../collect/index.js';

export const LINKERD_APEX_AUTHORITY = 'linkerd-2.12';
export const LINKERD_LEAF_AUTHORITY = 'linkerd-2.13';
export const LINKERD_GENERATIONS: readonly string[] = [LINKERD_APEX_AUTHORITY, LINKERD_LEAF_AUTHORITY];

const NEW_OUTBOUND_FAMILIES = ['outbound_http_balancer_', 'outbound_http_route_', 'outbound_grpc_route_'];
const STEM = 'outbound_';

/**
 * A page with any 2.13+ family is 2.13+. A page with outbound HTTP requests to an authority but
 * none of those families is 2.12 or older: a 2.13+ proxy writes its balancer gauge as soon as it
 * sends a request to a Service. Without either, this page says nothing: keep what this process
 * was read as, which is undefined for a new one (it has sent nothing that could be counted yet).
 */
export function linkerdGeneration(body: string | ExpositionBody, previous: string | undefined): string | undefined {
  // Pieces are line-aligned, so every check below (line starts, a line's label set) holds in one.
  const pieces = typeof body === 'string' ? [body] : body;
  if (pieces.some(hasNewOutboundFamily)) return LINKERD_LEAF_AUTHORITY;
  return pieces.some(hasOutboundHttp) ? LINKERD_APEX_AUTHORITY : previous;
}

function hasNewOutboundFamily(body: string): boolean {
  // One pass over the page: older pages have no `outbound_` at all (their label values say
  // `direction="outbound"`), newer ones have it early.
  for (let at = body.indexOf(STEM); at !== -1; at = body.indexOf(STEM, at + STEM.length)) {
    // At the start of a line (a sample) or after `# HELP ` / `# TYPE ` (its comments), never
    // inside a label value.
    const atLineStart = at === 0 || body[at - 1] === '\n';
    // The comment itself must start its line: `x\n# TYPE outbound_…` inside a label value
    // (an escaped newline) is no comment.
    const comment = at - 7;
    const inComment = (comment === 0 || body[comment - 1] === '\n') && (body.startsWith('# HELP ', comment) || body.startsWith('# TYPE ', comment));
    if ((atLineStart || inComment) && NEW_OUTBOUND_FAMILIES.some((family) => body.startsWith(family, at))) return true;
  }
  return false;
}

const HTTP_FAMILIES = ['request_total{', 'response_total{'];

/** Whether any `request_total` or `response_total` sample is an outbound request with an authority. */
function hasOutboundHttp(body: string): boolean {
  for (const family of HTTP_FAMILIES) {
    for (let at = body.indexOf(family); at !== -1; at = body.indexOf(family, at + family.length)) {
      if (at !== 0 && body[at - 1] !== '\n') continue;
      const end = body.indexOf('}', at);
      const labels = body.slice(at, end === -1 ? undefined : end);
      if (labels.includes('direction="outbound"') && labels.includes('authority="')) return true;
    }
  }
  return false;
}
