// Errors the caller can fix. They are GraphQLErrors without an originalError, so the masking of
// internal errors leaves their message intact, and they carry the code clients branch on.
import { GraphQLError } from 'graphql';

export const BAD_USER_INPUT = 'BAD_USER_INPUT';

export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: BAD_USER_INPUT } });
}
