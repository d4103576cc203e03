// Access control at the door of /graphql: yoga's `context` factory authenticates each request
// before any operation runs. A request without a valid token gets 401 with WWW-Authenticate and
// a GraphQL error body; GraphiQL's page itself stays reachable (it is served before the context
// is built), and the token goes in its Headers tab.
import { AuthUnavailableError, unauthenticatedError, unavailableError } from './auth-errors.js';
import type { Authentication, Authorizer } from './authorizer.js';
import { NamespaceAccess } from './namespace-access.js';
import type { AuthContext, AuthLog } from './namespace-access.js';

/** Builds one request's AuthContext, or rejects with the AccessError to answer. */
export type GraphQLAuth = (request: Request) => Promise<AuthContext>;

export const OPEN_GRAPHQL_AUTH: GraphQLAuth = () => Promise.resolve({ access: NamespaceAccess.open() });

export function graphqlAuth(authorizer: Authorizer, log: AuthLog = () => undefined): GraphQLAuth {
  return async (request) => {
    let authentication: Authentication;
    try {
      authentication = await authorizer.authenticate(request.headers);
    } catch (error) {
      if (!(error instanceof AuthUnavailableError)) throw error;
      log(`authentication failed: ${error.message}`);
      throw unavailableError();
    }
    if (!authentication.ok) throw unauthenticatedError(authentication.message, authentication.failure === 'invalid');
    return { access: new NamespaceAccess(authentication.principal, authorizer, log) };
  };
}
