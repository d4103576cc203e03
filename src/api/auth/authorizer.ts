// Who is asking, and which namespaces they may see: the one interface every --auth mode
// implements, so the GraphQL resolvers and the /metrics guard never depend on a mode.

export type AuthMode = 'none' | 'token' | 'kubernetes';

/** An authenticated caller. Never carries the credential itself. */
export interface Principal {
  /** For logs: a tokens-file entry's name, a Kubernetes username, or "anonymous". */
  readonly name: string;
  readonly groups: readonly string[];
  readonly uid?: string | undefined;
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** Why a request is not authenticated; each becomes a 401. */
export type AuthFailure = 'missing' | 'malformed' | 'invalid';

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly failure: AuthFailure; readonly message: string };

/** Every namespace, or exactly these (a subset of the candidates asked about). */
export type NamespaceGrant = 'all' | ReadonlySet<string>;

/** What authentication reads of a request: Fetch's Headers and express's req both provide it. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

export interface Authorizer {
  readonly mode: AuthMode;
  /** Rejects with AuthUnavailableError when whoever decides cannot be asked right now. */
  authenticate(headers: HeaderSource): Promise<Authentication>;
  /**
   * Which of `candidates` the principal may list TrafficSplits in, or 'all' when it may list
   * them cluster-wide (then the candidates are not looked at). Rejects with AuthUnavailableError.
   */
  allowedNamespaces(principal: Principal, candidates: readonly string[]): Promise<NamespaceGrant>;
  /**
   * May the principal read /metrics, which lists the splits of every namespace? Rejects with
   * AuthUnavailableError.
   */
  mayReadMetrics(principal: Principal): Promise<boolean>;
}

export function grantAllows(grant: NamespaceGrant, namespace: string): boolean {
  return grant === 'all' || grant.has(namespace);
}
