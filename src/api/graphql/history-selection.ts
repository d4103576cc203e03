// The history fields a trafficSplits selection asks for, with their arguments checked before any
// split is listed: a bad `step` is one BAD_USER_INPUT for the request (as a bad `window` is), not
// one error per split, and a subscription with one is refused when it starts instead of failing
// on every tick.
import { getArgumentValues, isObjectType, Kind } from 'graphql';
import type { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { ServerInfo } from '../context.js';
import { readHistory } from './arguments.js';

/** Throws BAD_USER_INPUT for the first history field whose arguments readHistory refuses. */
export function checkHistoryArguments(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema' | 'variableValues'>, serverInfo: ServerInfo): void {
  const splitType = info.schema.getType('TrafficSplit');
  const field = isObjectType(splitType) ? splitType.getFields()['history'] : undefined;
  if (field === undefined) return;
  const visit = (selectionSet: SelectionSetNode, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // The schema types every history argument as String, so the values are strings or null.
        if (selection.name.value === 'history') readHistory(getArgumentValues(field, selection, info.variableValues), serverInfo);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else {
        const fragment: FragmentDefinitionNode | undefined = info.fragments[selection.name.value];
        if (fragment === undefined || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        visit(fragment.selectionSet, seen);
      }
    }
  };
  for (const node of info.fieldNodes) if (node.selectionSet !== undefined) visit(node.selectionSet, new Set());
}
