// What clients see of failures. Errors the caller can act on (BAD_USER_INPUT, TIMEOUT, limits)
// are GraphQLErrors raised on purpose and pass through untouched; anything else (a source that
// throws, a bug) becomes "Unexpected error." and is logged server-side, since its message may
// carry internal URLs or hostnames.
import type { YogaMaskedErrorOpts } from 'graphql-yoga';

export const MASKED_ERRORS: Partial<YogaMaskedErrorOpts> = {
  errorMessage: 'Unexpected error.',
  // Yoga would otherwise put the original error and its stack into the response whenever
  // NODE_ENV=development, which is too easy to leave set in a deployment.
  isDev: false,
};
