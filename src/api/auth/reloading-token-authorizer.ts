// --auth token with rotation: the tokens file and the tokenFiles it names (often Kubernetes Secret
// volumes, which the kubelet updates in place) are read again when a request comes and the last
// read is older than `checkIntervalMs`, so a rotated token works, and a revoked one stops working,
// without a restart. A file that has become unreadable or invalid keeps the tokens last read
// (a half-written file must not lock everyone out or let anyone in) and is logged once per problem.
import { createHash } from 'node:crypto';
import type { Authentication, Authorizer, HeaderSource, NamespaceGrant, Principal } from './authorizer.js';
import type { AuthLog } from './namespace-access.js';
import { TokenAuthorizer } from './token-authorizer.js';
import { loadTokensFile, TokensFileError } from './tokens-file.js';
import type { TokenEntry } from './tokens-file.js';

export interface ReloadingTokenOptions {
  /** The least time between two reads of the files. */
  readonly checkIntervalMs?: number;
  readonly log?: AuthLog;
  readonly now?: () => number;
}

export class ReloadingTokenAuthorizer implements Authorizer {
  readonly mode = 'token';
  readonly #path: string;
  readonly #checkIntervalMs: number;
  readonly #log: AuthLog;
  readonly #now: () => number;
  #current: TokenAuthorizer;
  #currentText: string;
  #checkedAt: number;
  #reading: Promise<void> | undefined;
  #lastProblem: string | undefined;
  /** Which tokens authenticated a principal: a request is answered by the tokens that let it in. */
  readonly #owners = new WeakMap<Principal, TokenAuthorizer>();

  private constructor(path: string, entries: readonly TokenEntry[], { checkIntervalMs = 5_000, log = () => undefined, now = Date.now }: ReloadingTokenOptions) {
    this.#path = path;
    this.#checkIntervalMs = checkIntervalMs;
    this.#log = log;
    this.#now = now;
    this.#current = new TokenAuthorizer(entries);
    this.#currentText = fingerprint(entries);
    this.#checkedAt = now();
  }

  /** Reads the tokens file once (a bad one is a TokensFileError at start-up, as before). */
  static async load(path: string, options: ReloadingTokenOptions = {}): Promise<ReloadingTokenAuthorizer> {
    return new ReloadingTokenAuthorizer(path, await loadTokensFile(path), options);
  }

  async authenticate(headers: HeaderSource): Promise<Authentication> {
    await this.#refresh();
    const tokens = this.#current;
    const authentication = await tokens.authenticate(headers);
    if (authentication.ok) this.#owners.set(authentication.principal, tokens);
    return authentication;
  }

  allowedNamespaces(principal: Principal, candidates: readonly string[]): Promise<NamespaceGrant> {
    return (this.#owners.get(principal) ?? this.#current).allowedNamespaces(principal, candidates);
  }

  mayReadMetrics(principal: Principal): Promise<boolean> {
    return (this.#owners.get(principal) ?? this.#current).mayReadMetrics(principal);
  }

  #refresh(): Promise<void> {
    if (this.#now() - this.#checkedAt < this.#checkIntervalMs) return Promise.resolve();
    // Concurrent requests share one read.
    this.#reading ??= this.#read().finally(() => {
      this.#checkedAt = this.#now();
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    let entries: TokenEntry[];
    try {
      entries = await loadTokensFile(this.#path);
    } catch (error) {
      const problem = error instanceof TokensFileError ? error.message : String(error);
      if (problem !== this.#lastProblem) this.#log(`tokens file not reloaded, the tokens read before stay in use: ${problem}`);
      this.#lastProblem = problem;
      return;
    }
    this.#lastProblem = undefined;
    const text = fingerprint(entries);
    if (text === this.#currentText) return;
    this.#current = new TokenAuthorizer(entries);
    this.#currentText = text;
    this.#log(`tokens file ${this.#path} reloaded: ${entries.length} tokens`);
  }
}

/** A digest of everything that decides access: whether anything changed, without keeping the tokens. */
function fingerprint(entries: readonly TokenEntry[]): string {
  return createHash('sha256')
    .update(JSON.stringify(entries.map((entry) => [entry.name, entry.token, entry.namespaces])))
    .digest('hex');
}
