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

export const LINKERD_APEX_AUTHORITY = 'linkerd-2.12';
export const LINKERD_LEAF_AUTHORITY = 'linkerd-2.13';
export const LINKERD_GENERATIONS: readonly string[] = [LINKERD_APEX_AUTHORITY, LINKERD_LEAF_AUTHORITY];

const NEW_OUTBOUND_FAMILIES = ['outbound_http_balancer_', 'outbound_http_route_', 'outbound_grpc_route_'];
const STEM = 'outbound_';

/**
 * A page with any 2.13+ family is 2.13+. Without one, the proxy has sent no request to a Service
 * yet (so nothing of it would be counted either way): keep what this process was read as, and
 * read a new one as 2.12.
 */
export function linkerdGeneration(body: string, previous: string | undefined): string {
  // One pass over the page: older pages have no `outbound_` at all (their label values say
  // `direction="outbound"`), newer ones have it early.
  for (let at = body.indexOf(STEM); at !== -1; at = body.indexOf(STEM, at + STEM.length)) {
    // At the start of a line (a sample) or after `# HELP ` / `# TYPE ` (its comments).
    const before = at === 0 ? '\n' : body[at - 1];
    if ((before === '\n' || before === ' ') && NEW_OUTBOUND_FAMILIES.some((family) => body.startsWith(family, at))) return LINKERD_LEAF_AUTHORITY;
  }
  return previous ?? LINKERD_APEX_AUTHORITY;
}
