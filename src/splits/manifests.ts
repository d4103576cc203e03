// Reading splits out of manifest text: what `kubectl apply -f` accepts (multi-document YAML,
// JSON, `List` and `*List` wrappers), keeping only the kinds that are splits (kinds.ts). Pure: the caller reads
// the file.
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../util/index.js';
import type { TrafficSplit } from './model.js';
import { splitKindOf } from './kinds.js';

export interface ManifestProblem {
  readonly file: string;
  readonly message: string;
}

export interface ManifestParseResult {
  readonly splits: readonly TrafficSplit[];
  readonly problems: readonly ManifestProblem[];
  /**
   * False when the text as a whole is not valid YAML or JSON. Nothing of it is used then, as
   * kubectl would refuse the file, and a watcher keeps the file's last good splits.
   */
  readonly readable: boolean;
}

export interface ParseManifestOptions {
  /** Namespace for objects without one; default "default". */
  readonly defaultNamespace?: string;
}

/** Lists inside lists are legal but rare; the bound only stops pathological nesting. */
const MAX_LIST_DEPTH = 8;

export function parseManifestText(text: string, fileName: string, options: ParseManifestOptions = {}): ManifestParseResult {
  // A binary file (or one not in UTF-8, read with replacement characters) is no manifest; an
  // empty one holds nothing. Both are said, rather than the file silently not counting.
  if (text.includes('\u0000') || text.includes('\uFFFD')) return { splits: [], problems: [{ file: fileName, message: 'not a text file (binary, or not UTF-8)' }], readable: false };
  if (text.trim() === '') return { splits: [], problems: [{ file: fileName, message: 'the file is empty' }], readable: true };
  const documents = decodeDocuments(text, fileName);
  if (!documents.ok) return { splits: [], problems: [{ file: fileName, message: documents.error }], readable: false };

  const problems: ManifestProblem[] = [];
  // Within one file a later definition of the same split wins, as applying the file would leave it.
  const splits = new Map<string, { split: TrafficSplit; where: string }>();
  documents.values.forEach((value, index) => {
    for (const { object, where } of flattenLists(value, `document ${index + 1}`, 0)) {
      const kind = isRecord(object) ? splitKindOf(object) : undefined;
      if (kind === undefined) continue;
      const result = kind.normalize(object, options);
      if (!result.ok) {
        problems.push({ file: fileName, message: `${where}: ${result.error}` });
        continue;
      }
      for (const split of result.splits) {
        const earlier = splits.get(split.key);
        if (earlier !== undefined) {
          problems.push({
            file: fileName,
            message: `${where}: ${describeSplit(split)} is also defined in ${earlier.where}; the later definition is used`,
          });
          splits.delete(split.key);
        }
        splits.set(split.key, { split, where });
      }
    }
  });
  return { splits: [...splits.values()].map((entry) => entry.split), problems, readable: true };
}

/** How problems name a split: `trafficsplit default/web`, `httproute default/web`. */
export function describeSplit(split: TrafficSplit): string {
  return `${split.kind.toLowerCase()} ${split.namespace}/${split.name}`;
}

type Decoded = { readonly ok: true; readonly values: readonly unknown[] } | { readonly ok: false; readonly error: string };

function decodeDocuments(text: string, fileName: string): Decoded {
  // JSON first when it looks like JSON: JSON.parse is exact about JSON, while YAML 1.1 has
  // opinions about some escapes. kubectl sniffs the content the same way.
  const trimmed = text.trimStart();
  let jsonError: string | undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { ok: true, values: [JSON.parse(text) as unknown] };
    } catch (error) {
      jsonError = `invalid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const yaml = decodeYaml(text);
  // For a .json file the JSON complaint is the helpful one; elsewhere YAML's.
  if (!yaml.ok && jsonError !== undefined && /\.json$/i.test(fileName)) return { ok: false, error: jsonError };
  return yaml;
}

function decodeYaml(text: string): Decoded {
  // YAML 1.1 like kubectl's parser (sigs.k8s.io/yaml on go-yaml v2): `010` is 8, `1_000` is
  // 1000, `on` is true. With YAML 1.2 rules some weights would read differently than in the cluster.
  const documents = parseAllDocuments(text, { version: '1.1' });
  const values: unknown[] = [];
  for (const [index, document] of documents.entries()) {
    const [error] = document.errors;
    if (error !== undefined) return { ok: false, error: `invalid YAML in document ${index + 1}: ${firstLine(error.message)}` };
    try {
      values.push(document.toJS());
    } catch (caught) {
      return { ok: false, error: `invalid YAML in document ${index + 1}: ${caught instanceof Error ? firstLine(caught.message) : String(caught)}` };
    }
  }
  return { ok: true, values };
}

interface LocatedObject {
  readonly object: unknown;
  /** Where it is in the file, for problem messages: `document 2`, `document 1, item 3`. */
  readonly where: string;
}

/**
 * `kind: List` (what `kubectl get -o yaml` prints) and typed lists such as `TrafficSplitList`
 * (what the API returns) are unwrapped. Items of a typed list may omit apiVersion and kind, as
 * the API server omits them; they take them from the list.
 */
function flattenLists(value: unknown, where: string, depth: number): LocatedObject[] {
  if (!isRecord(value) || typeof value.kind !== 'string' || !value.kind.endsWith('List') || !Array.isArray(value.items)) {
    return [{ object: value, where }];
  }
  if (depth >= MAX_LIST_DEPTH) return [];
  const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
  const items = value.items as unknown[];
  return items.flatMap((item, index) => {
    const inherited =
      itemKind !== undefined && isRecord(item)
        ? { ...item, apiVersion: item.apiVersion ?? value.apiVersion, kind: item.kind ?? itemKind }
        : item;
    return flattenLists(inherited, `${where}, item ${index + 1}`, depth + 1);
  });
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:\s*$/, '');
}
