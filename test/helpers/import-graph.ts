// The project's own import graph, read with the TypeScript parser: which file imports which, by
// which names, so the layout test can check the stage order and the folder doors.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ImportEdge {
  /** Importing file, relative to the repository root (`src/cli/program.ts`). */
  readonly from: string;
  /** Imported file, relative to the repository root, resolved from `.js` to `.ts`. */
  readonly to: string;
  /** The specifier as written (`../splits/index.js`). */
  readonly specifier: string;
  readonly line: number;
  /** `import type` / `export type`: erased at run time, so it cannot form a run-time cycle. */
  readonly typeOnly: boolean;
  /** A static `import`, a re-export (`export … from`), or a dynamic `import()`. */
  readonly kind: 'import' | 'export' | 'dynamic';
}

/** Every `.ts` file under the given folders (relative to ROOT), sorted. */
export function sourceFiles(folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
    }
  };
  for (const folder of folders) walk(folder);
  return files.sort();
}

/** Relative imports and re-exports of one file (package and `node:` imports are not edges). */
export function importsOf(file: string): ImportEdge[] {
  return allImportsOf(file).filter((edge) => edge.specifier.startsWith('.'));
}

/**
 * Every import of one file, packages too: for those, `to` is the package's name
 * (`@kubernetes/client-node`, `node:fs`).
 */
export function allImportsOf(file: string): ImportEdge[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (literal: ts.StringLiteral, typeOnly: boolean, kind: ImportEdge['kind']): void => {
    const specifier = literal.text;
    const resolved = specifier.startsWith('.') ? path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts') : packageName(specifier);
    const line = source.getLineAndCharacterOfPosition(literal.getStart()).line + 1;
    edges.push({ from: file, to: resolved, specifier, line, typeOnly, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly, 'import');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.isTypeOnly, 'export');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteral(argument)) add(argument, false, 'dynamic');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** `@scope/name/deep/path` → `@scope/name`; `name/deep` → `name`; `node:fs` stays. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Why each package loads when `entry` is run: for every package some file reached from `entry` by
 * static value imports (not `import type`, not `import()`) imports by value, the chain of files
 * that leads to it, entry first.
 */
export function staticallyLoadedPackages(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = seen.get(file) ?? [file];
    for (const edge of allImportsOf(file)) {
      if (edge.typeOnly || edge.kind === 'dynamic') continue;
      if (!edge.specifier.startsWith('.')) {
        if (!chains.has(edge.to)) chains.set(edge.to, chain);
      } else if (!seen.has(edge.to)) {
        seen.set(edge.to, [...chain, edge.to]);
        queue.push(edge.to);
      }
    }
  }
  return chains;
}

/** The folders a path lies in, outermost first: `src/api/graphql/x.ts` → [`src`, `src/api`, `src/api/graphql`]. */
function foldersOf(file: string): string[] {
  const parts = path.posix.dirname(file).split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/**
 * The folder of src/ an import enters: the outermost folder of the imported file that does not
 * also contain the importer. src/ itself is the tree, not a room, so an import from test/ into
 * src/ enters the stage folder below it. Undefined when the imported file lies outside src/ or
 * in a folder the importer is already in.
 */
export function enteredFolder(from: string, to: string): string | undefined {
  if (!to.startsWith('src/')) return undefined;
  const importerFolders = new Set(foldersOf(from));
  return foldersOf(to).find((folder) => folder !== 'src' && !importerFolders.has(folder));
}

/** The stage folder of a file under src/ (`src/api/graphql/x.ts` → `api`); undefined for src/main.ts and files outside src/. */
export function stageOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

/** Cycles among the given edges (each reported once, as the files on it). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of next.get(file) ?? []) {
      const seen = state.get(target);
      if (seen === 'open') cycles.push(stack.slice(stack.indexOf(target)));
      else if (seen === undefined) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
