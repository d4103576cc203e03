// graphql-armor's envelop plugin with exactly one protection switched on. graphql-armor enables
// every protection it knows unless told otherwise; going through this keeps each limit in its
// own use-*.ts with its own option, and only the declared @escape.tech/graphql-armor dependency
// is imported (the per-protection packages are its internals).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import type { ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type ArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;

const ALL_OFF: ArmorConfig = {
  blockFieldSuggestion: { enabled: false },
  costLimit: { enabled: false },
  maxAliases: { enabled: false },
  maxDepth: { enabled: false },
  maxDirectives: { enabled: false },
  maxTokens: { enabled: false },
};

export function armorOnly(protection: ArmorConfig): Plugin {
  return EnvelopArmorPlugin({ ...ALL_OFF, ...protection });
}

/**
 * For the protections that run as validation rules. By default they throw from inside
 * validation, which yoga answers with HTTP 200 and a bare error; reported to the validation
 * context instead, a rejection is a validation error like any other (HTTP 400, code
 * GRAPHQL_VALIDATION_FAILED). armor's "Syntax Error: " prefix goes: the query parsed fine.
 */
export function reportAsValidationError(counted: () => void): {
  propagateOnRejection: false;
  onReject: ((context: ValidationContext | null, error: GraphQLError) => void)[];
} {
  return {
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        counted();
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
      },
    ],
  };
}
