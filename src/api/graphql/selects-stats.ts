// Whether a selection under a TrafficSplit list reads any numbers, so a client asking only for
// names and weights never waits on (or fails because of) the stat source.
import { Kind } from 'graphql';
import type { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** Fields of TrafficSplit and Backend whose values come from the stat source. */
const STAT_FIELDS: ReadonlySet<string> = new Set(['stats', 'observedRatio']);
/** Fields with numbers of their own (history fetches its points itself): not looked into. */
const OWN_NUMBERS: ReadonlySet<string> = new Set(['history']);

export function selectsStats(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && reads(node.selectionSet, info.fragments, new Set()));
}

// Conservative: a field under @skip/@include counts as read, which at worst fetches numbers
// that are then not shown.
function reads(selectionSet: SelectionSetNode, fragments: Readonly<Record<string, FragmentDefinitionNode>>, seen: Set<string>): boolean {
  return selectionSet.selections.some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        if (OWN_NUMBERS.has(selection.name.value)) return false;
        return STAT_FIELDS.has(selection.name.value) || (selection.selectionSet !== undefined && reads(selection.selectionSet, fragments, seen));
      case Kind.INLINE_FRAGMENT:
        return reads(selection.selectionSet, fragments, seen);
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (fragment === undefined || seen.has(name)) return false;
        seen.add(name);
        return reads(fragment.selectionSet, fragments, seen);
      }
    }
  });
}
