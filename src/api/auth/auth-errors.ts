// The errors access control produces. The GraphQL ones are GraphQLErrors without an
// originalError, so error masking leaves their message intact; their `http` extension sets the
// status and headers yoga answers with (yoga strips it from the body).
import { GraphQLError } from 'graphql';

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

export function unauthenticatedError(message: string, invalidToken: boolean): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: UNAUTHENTICATED, http: { status: 401, headers: { 'WWW-Authenticate': wwwAuthenticate(invalidToken) } } },
  });
}

export function forbiddenMessage(namespace: string): string {
  return `not allowed to list trafficsplits in namespace ${JSON.stringify(namespace)}`;
}

export function forbiddenError(namespace: string): GraphQLError {
  return new GraphQLError(forbiddenMessage(namespace), { extensions: { code: FORBIDDEN, http: { status: 403 } } });
}

/** What callers see when access cannot be checked; the details (URLs, hosts) go to the log only. */
export const UNAVAILABLE_MESSAGE = 'cannot check access right now: the Kubernetes API server did not answer; try again shortly';

export function unavailableError(): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, { extensions: { code: UNAVAILABLE, http: { status: 503, headers: { 'Retry-After': '5' } } } });
}
