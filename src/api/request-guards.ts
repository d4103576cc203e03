// What every request must pass before any route sees it, and what every answer carries. splitstat
// often runs without access control (the demo, a `kubectl port-forward`), so a web page the user
// happens to visit must not be able to read it through the browser:
// - DNS rebinding: a page on a name the attacker controls, re-pointed at 127.0.0.1, sends that
//   name as Host. Only Hosts an attacker cannot own pass: IP literals, `localhost`, dotless names,
//   cluster-local Service names (`*.svc`, `*.svc.<cluster domain>`) and `--allowed-hosts`.
// - Cross-origin requests: a browser says where a request comes from (`Origin`, and
//   `Sec-Fetch-Site` on every request, no-cors ones included); only same-origin requests and
//   ones not made by a page (navigation, curl, Prometheus) pass.
// - Requests no GraphQL client sends but an HTML form can (a form POST needs no preflight): a
//   POST to /graphql must be JSON.
// - Ambiguous credentials: Node keeps the first of two Authorization headers and drops the other,
//   so which one counts would depend on the client's order. Two are refused.
// Answers are never cached (they are live, and some are per caller), never sniffed into another
// type, and never framed.
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';

export interface RequestGuardOptions {
  /** The cluster domain, for `<service>.<namespace>.svc.<domain>` Hosts. */
  readonly clusterDomain: string;
  /** More Host names to serve (an Ingress' name, a reverse proxy's); `*` serves any Host. */
  readonly allowedHosts: readonly string[];
  /** The GraphQL endpoint, whose POSTs must be JSON. */
  readonly graphqlPath: string;
}

/** What every answer carries: live numbers, of one type, in no frame; no page may load anything from elsewhere. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // GraphiQL's page is one document with its script inline (no CDN): nothing else may run or load.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** The host part of a Host header (no port, IPv6 brackets removed), lower-cased; undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(header);
  if (bracketed !== null) return bracketed[1]?.toLowerCase();
  const plain = /^([^:[\]/\s]+)(?::\d{1,5})?$/.exec(header);
  return plain?.[1]?.toLowerCase();
}

/** Whether a Host name is one no attacker can point at this server by DNS (see the top of this file). */
export function isTrustedHost(name: string, { clusterDomain, allowedHosts }: Pick<RequestGuardOptions, 'clusterDomain' | 'allowedHosts'>): boolean {
  if (allowedHosts.includes('*') || allowedHosts.some((allowed) => allowed.toLowerCase() === name)) return true;
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  if (!name.includes('.')) return true;
  return name.endsWith('.svc') || name.endsWith(`.svc.${clusterDomain.toLowerCase()}`);
}

/** Whether an Origin header names this server, as the request's Host does. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && host !== undefined && url.host.toLowerCase() === host.toLowerCase();
}

/** The request guards and answer headers, in the order they must run, before every route. */
export function requestGuards(options: RequestGuardOptions): RequestHandler[] {
  const refuse = (response: Parameters<RequestHandler>[1], status: number, message: string): void => {
    response.status(status).type('text/plain').send(`${message}\n`);
  };
  const headers: RequestHandler = (_request, response, next) => {
    response.set(SECURITY_HEADERS);
    next();
  };
  const oneCredential: RequestHandler = (request, response, next) => {
    let authorizations = 0;
    for (let i = 0; i < request.rawHeaders.length; i += 2) if (request.rawHeaders[i]?.toLowerCase() === 'authorization') authorizations++;
    if (authorizations > 1) return refuse(response, 400, 'more than one Authorization header: send exactly one');
    next();
  };
  const knownHost: RequestHandler = (request, response, next) => {
    const name = hostName(request.headers.host);
    if (name === undefined) return refuse(response, 400, 'missing or malformed Host header');
    if (!isTrustedHost(name, options)) {
      return refuse(response, 403, `Host ${JSON.stringify(name)} is not served (protection against DNS rebinding); serve it with --allowed-hosts ${name}`);
    }
    next();
  };
  const sameOriginOnly: RequestHandler = (request, response, next) => {
    const site = request.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return refuse(response, 403, `cross-origin requests are refused (Sec-Fetch-Site: ${site})`);
    const origin = request.get('origin');
    if (origin !== undefined && !sameOrigin(origin, request.headers.host)) return refuse(response, 403, `cross-origin requests are refused (Origin: ${origin})`);
    next();
  };
  const jsonPosts: RequestHandler = (request, response, next) => {
    if (request.method === 'POST' && request.path === options.graphqlPath && !request.is('application/json')) {
      return refuse(response, 415, `POST ${options.graphqlPath} takes Content-Type: application/json`);
    }
    next();
  };
  return [headers, oneCredential, knownHost, sameOriginOnly, jsonPosts];
}
