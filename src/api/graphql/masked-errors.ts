// What clients see of failures. Errors the caller can act on (BAD_USER_INPUT, TIMEOUT, limits)
// are GraphQLErrors raised on purpose and pass through untouched, as do access control's
// refusals (AccessError: UNAUTHENTICATED, FORBIDDEN, UNAVAILABLE), which become GraphQLErrors
// with their code and HTTP status here; anything else (a source that throws, a bug) becomes
// "Unexpected error." and is logged server-side, since its message may carry internal URLs or
// hostnames.
import { GraphQLError } from 'graphql';
import { maskError } from 'graphql-yoga';
import type { YogaMaskedErrorOpts } from 'graphql-yoga';
import { AccessError } from '../auth/index.js';

/** The AccessError behind an error: thrown as is (yoga's context factory), or by a resolver. */
function accessErrorOf(error: unknown): AccessError | undefined {
  if (error instanceof AccessError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof AccessError) return error.originalError;
  return undefined;
}

export const MASKED_ERRORS: Partial<YogaMaskedErrorOpts> = {
  errorMessage: 'Unexpected error.',
  // Yoga would otherwise put the original error and its stack into the response whenever
  // NODE_ENV=development, which is too easy to leave set in a deployment.
  isDev: false,
  maskError(error, message, isDev) {
    const refusal = accessErrorOf(error);
    if (refusal === undefined) return maskError(error, message, isDev);
    const located = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(refusal.message, {
      ...(located === undefined ? {} : { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path }),
      extensions: { code: refusal.code, http: refusal.http },
    });
  },
};
