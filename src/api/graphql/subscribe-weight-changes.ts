// Subscription.weightChanges: split store changes that touch routing, as they happen. The store
// listener lives exactly as long as the client reads the stream (see PushQueue).
import { weightChange } from '../../splits/index.js';
import type { WeightChange } from '../../splits/index.js';
import type { AuthContext } from '../auth/index.js';
import type { ServiceContext } from '../context.js';
import { PushQueue } from './push-queue.js';

export interface WeightChangesArgs {
  readonly namespace?: string | null;
  readonly names?: readonly string[] | null;
}

export function subscribeWeightChanges(ctx: ServiceContext) {
  return {
    async subscribe(_root: unknown, { namespace, names }: WeightChangesArgs, { access }: AuthContext): Promise<PushQueue<WeightChange | Error>> {
      // Access: a forbidden namespace by name is an error response, not an empty stream.
      if (namespace != null && namespace !== '') await access.require(namespace);
      const wanted = names == null || names.length === 0 ? undefined : new Set(names);
      return new PushQueue<WeightChange | Error>((push) => {
        // Each event's namespace is checked (a cached decision, or a new review); the checks are
        // chained so events still arrive in the order they happened. One that cannot be checked
        // is an error event, and the stream goes on.
        let checked: Promise<void> = Promise.resolve();
        return ctx.store.onChange((change) => {
          const { split } = change;
          if (namespace != null && namespace !== '' && split.namespace !== namespace) return;
          if (wanted !== undefined && !wanted.has(split.name)) return;
          const event = weightChange(change, ctx.now());
          if (event === null) return;
          checked = checked
            .then(() => access.allows(split.namespace))
            .then(
              (allowed) => {
                if (allowed) push(event);
              },
              (error: unknown) => push(error instanceof Error ? error : new Error(String(error))),
            );
        });
      });
    },

    resolve(event: WeightChange | Error): WeightChange {
      if (event instanceof Error) throw event;
      return event;
    },
  };
}
