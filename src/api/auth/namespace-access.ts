// One request's view of access control, for the GraphQL resolvers: which of the splits it is
// about the caller may see. Lists are filtered silently (the caller sees the namespaces it may
// see); naming a forbidden namespace is a FORBIDDEN error. A decision that cannot be made
// (the API server is down) is an UNAVAILABLE error, never a silent "nothing" or "everything".
import { AuthUnavailableError, forbiddenError, unavailableError } from './auth-errors.js';
import { grantAllows } from './authorizer.js';
import type { Authorizer, NamespaceGrant, Principal } from './authorizer.js';
import { ANONYMOUS, NoneAuthorizer } from './none-authorizer.js';

export type AuthLog = (line: string) => void;

export class NamespaceAccess {
  readonly principal: Principal;
  readonly #authorizer: Authorizer;
  readonly #log: AuthLog;

  constructor(principal: Principal, authorizer: Authorizer, log: AuthLog = () => undefined) {
    this.principal = principal;
    this.#authorizer = authorizer;
    this.#log = log;
  }

  /** Everything visible: --auth none, and GraphQL servers built without access control. */
  static open(): NamespaceAccess {
    return OPEN;
  }

  /** Rejects with an UNAVAILABLE AccessError when the decision cannot be made. */
  async grant(candidates: readonly string[]): Promise<NamespaceGrant> {
    try {
      return await this.#authorizer.allowedNamespaces(this.principal, candidates);
    } catch (error) {
      if (!(error instanceof AuthUnavailableError)) throw error;
      this.#log(`access check for ${JSON.stringify(this.principal.name)} failed: ${error.message}`);
      throw unavailableError();
    }
  }

  async allows(namespace: string): Promise<boolean> {
    return grantAllows(await this.grant([namespace]), namespace);
  }

  /** Rejects with a FORBIDDEN AccessError unless the caller may list splits in `namespace`. */
  async require(namespace: string): Promise<void> {
    if (!(await this.allows(namespace))) throw forbiddenError(namespace);
  }

  /** The items in namespaces the caller may see, in their order. */
  async filter<T extends { readonly namespace: string }>(items: readonly T[]): Promise<T[]> {
    if (items.length === 0) return [];
    const grant = await this.grant([...new Set(items.map((item) => item.namespace))]);
    return items.filter((item) => grantAllows(grant, item.namespace));
  }
}

const OPEN = new NamespaceAccess(ANONYMOUS, new NoneAuthorizer());

/** What access control adds to the GraphQL context of every request. */
export interface AuthContext {
  readonly access: NamespaceAccess;
}
