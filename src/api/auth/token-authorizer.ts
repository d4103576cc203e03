// --auth token: static bearer tokens from a file, each allowed some namespaces or all of them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authentication, Authorizer, HeaderSource, NamespaceGrant, Principal } from './authorizer.js';
import { readBearerToken } from './bearer-token.js';
import type { TokenEntry } from './tokens-file.js';

interface KnownToken {
  readonly digest: Buffer;
  readonly principal: Principal;
  readonly namespaces: 'all' | ReadonlySet<string>;
}

export class TokenAuthorizer implements Authorizer {
  readonly mode = 'token';
  readonly #tokens: readonly KnownToken[];
  readonly #grants = new Map<Principal, 'all' | ReadonlySet<string>>();

  constructor(entries: readonly TokenEntry[]) {
    this.#tokens = entries.map((entry) => ({
      digest: digest(entry.token),
      principal: Object.freeze({ name: entry.name, groups: Object.freeze([]) }),
      namespaces: entry.namespaces === 'all' ? 'all' : new Set(entry.namespaces),
    }));
    for (const known of this.#tokens) this.#grants.set(known.principal, known.namespaces);
  }

  authenticate(headers: HeaderSource): Promise<Authentication> {
    const credential = readBearerToken(headers.get('authorization'));
    if (credential.kind === 'missing') return Promise.resolve({ ok: false, failure: 'missing', message: 'missing bearer token' });
    if (credential.kind === 'malformed') return Promise.resolve({ ok: false, failure: 'malformed', message: credential.message });
    // Compared as digests, so every comparison takes the same time whatever the token's length,
    // and against every entry without stopping early, so timing does not tell which one matched.
    const presented = digest(credential.token);
    let match: KnownToken | undefined;
    for (const known of this.#tokens) if (timingSafeEqual(presented, known.digest) && match === undefined) match = known;
    return Promise.resolve(match === undefined ? { ok: false, failure: 'invalid', message: 'invalid bearer token' } : { ok: true, principal: match.principal });
  }

  /** A token allowed every namespace: /metrics shows them all. */
  async mayReadMetrics(principal: Principal): Promise<boolean> {
    return (await this.allowedNamespaces(principal, [])) === 'all';
  }

  allowedNamespaces(principal: Principal, candidates: readonly string[]): Promise<NamespaceGrant> {
    const namespaces = this.#grants.get(principal);
    if (namespaces === 'all') return Promise.resolve('all');
    return Promise.resolve(new Set(candidates.filter((candidate) => namespaces?.has(candidate) === true)));
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
