// Subscription.weightChanges: split store changes that touch routing, as they happen. The store
// listener lives exactly as long as the client reads the stream (see PushQueue).
import type { ServiceContext } from '../context.js';
import { PushQueue } from './push-queue.js';
import { weightChange } from './weight-change.js';
import type { WeightChange } from './weight-change.js';

export interface WeightChangesArgs {
  readonly namespace?: string | null;
  readonly names?: readonly string[] | null;
}

export function subscribeWeightChanges(ctx: ServiceContext) {
  return {
    subscribe(_root: unknown, { namespace, names }: WeightChangesArgs): PushQueue<WeightChange> {
      const wanted = names == null || names.length === 0 ? undefined : new Set(names);
      return new PushQueue<WeightChange>((push) =>
        ctx.store.onChange((change) => {
          const { split } = change;
          if (namespace != null && namespace !== '' && split.namespace !== namespace) return;
          if (wanted !== undefined && !wanted.has(split.name)) return;
          const event = weightChange(change, ctx.now());
          if (event !== null) push(event);
        }),
      );
    },

    resolve(event: WeightChange): WeightChange {
      return event;
    },
  };
}
