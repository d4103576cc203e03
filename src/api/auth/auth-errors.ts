// The errors access control produces. A refusal the caller can act on is an AccessError: its
// code and `http` (status and headers) become a GraphQLError's extensions in the GraphQL layer
// (graphql/masked-errors.ts), which yoga answers with (it strips `http` from the body). Access
// control itself stays free of graphql-js, so a process never asked a GraphQL query never loads it.

export const UNAUTHENTICATED = 'UNAUTHENTICATED';
export const FORBIDDEN = 'FORBIDDEN';
export const UNAVAILABLE = 'UNAVAILABLE';

/** Whoever decides access (the Kubernetes API server) could not be asked: retry later, not a denial. */
export class AuthUnavailableError extends Error {
  override readonly name = 'AuthUnavailableError';
}

/** A configuration that cannot work (missing tokens file, no kubeconfig for kubernetes mode, …). */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

/**
 * RFC 6750 §3: every 401 names the scheme; a token that was presented and refused also says
 * invalid_token, so clients know retrying with the same token is pointless.
 */
export function wwwAuthenticate(invalidToken: boolean): string {
  return invalidToken ? 'Bearer realm="splitstat", error="invalid_token"' : 'Bearer realm="splitstat"';
}

export type AccessErrorCode = typeof UNAUTHENTICATED | typeof FORBIDDEN | typeof UNAVAILABLE;

/** A request refused by access control: what the caller sees, exactly (never masked). */
export class AccessError extends Error {
  override readonly name = 'AccessError';
  readonly code: AccessErrorCode;
  readonly http: { readonly status: number; readonly headers?: Readonly<Record<string, string>> };

  constructor(message: string, code: AccessErrorCode, http: AccessError['http']) {
    super(message);
    this.code = code;
    this.http = http;
  }
}

export function unauthenticatedError(message: string, invalidToken: boolean): AccessError {
  return new AccessError(message, UNAUTHENTICATED, { status: 401, headers: { 'WWW-Authenticate': wwwAuthenticate(invalidToken) } });
}

export function forbiddenMessage(namespace: string): string {
  return `not allowed to list trafficsplits in namespace ${JSON.stringify(namespace)}`;
}

export function forbiddenError(namespace: string): AccessError {
  return new AccessError(forbiddenMessage(namespace), FORBIDDEN, { status: 403 });
}

/** What callers see when access cannot be checked; the details (URLs, hosts) go to the log only. */
export const UNAVAILABLE_MESSAGE = 'cannot check access right now: the Kubernetes API server did not answer; try again shortly';

export function unavailableError(): AccessError {
  return new AccessError(UNAVAILABLE_MESSAGE, UNAVAILABLE, { status: 503, headers: { 'Retry-After': '5' } });
}
