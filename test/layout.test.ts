// The layout is a contract like the metric names: stages import only earlier stages, a folder is
// entered only through its index.ts, and nothing imports in a circle. ARCHITECTURE.md explains
// the order; this test keeps the tree to it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { enteredFolder, findCycles, importsOf, ROOT, sourceFiles, stageOf, staticallyLoadedPackages } from './helpers/import-graph.js';
import type { ImportEdge } from './helpers/import-graph.js';

/** The data flow, earliest first (ARCHITECTURE.md). A stage may import only stages before it. */
const STAGES = ['util', 'go', 'kube', 'splits', 'collect', 'promql', 'mesh', 'window', 'ingest', 'stats', 'sim', 'api', 'app', 'cli'];

/**
 * Where an import stands in a file's list: earlier stages first, then the file's own stage, then
 * anything outside src/ (test helpers).
 */
function importRank(edge: ImportEdge): number {
  const to = stageOf(edge.to);
  if (!edge.to.startsWith('src/')) return STAGES.length + 2;
  if (to === undefined) return STAGES.length;
  return to === stageOf(edge.from) ? STAGES.length + 1 : STAGES.indexOf(to);
}

function layoutProblems(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  const lastRank = new Map<string, number>();
  for (const edge of edges.filter((candidate) => candidate.kind === 'import')) {
    const rank = importRank(edge);
    if (rank < (lastRank.get(edge.from) ?? -1)) problems.push(`${edge.from}:${edge.line} imports ${edge.specifier} out of the stage order`);
    lastRank.set(edge.from, Math.max(rank, lastRank.get(edge.from) ?? -1));
  }
  for (const edge of edges) {
    const where = `${edge.from}:${edge.line} imports ${edge.specifier}`;
    const [from, to] = [stageOf(edge.from), stageOf(edge.to)];
    if (from !== undefined && to !== undefined && from !== to && !(STAGES.indexOf(to) < STAGES.indexOf(from))) {
      problems.push(`${where}: ${from}/ may not import ${to}/, which comes later in the data flow`);
    }
    if (edge.from.startsWith('src/') && !edge.to.startsWith('src/') && !edge.from.endsWith('.test.ts')) {
      problems.push(`${where}: product code imports from outside src/`);
    }
    if (edge.to.endsWith('.test.ts')) problems.push(`${where}: a test file is not a module; shared test code goes in test/helpers/`);
    const entered = enteredFolder(edge.from, edge.to);
    if (entered !== undefined && edge.to !== `${entered}/index.ts`) {
      problems.push(`${where}: enters ${entered}/ other than by its door, ${entered}/index.ts`);
    }
    if (path.posix.basename(edge.from) === 'index.ts' && edge.from.startsWith('src/') && !edge.to.startsWith(`${path.posix.dirname(edge.from)}/`)) {
      problems.push(`${where}: a door re-exports only what its own folder holds`);
    }
  }
  for (const cycle of findCycles(edges)) problems.push(`import cycle: ${[...cycle, cycle[0]].join(' → ')}`);
  return problems;
}

function srcFolders(dir = 'src'): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const folder = `${dir}/${entry.name}`;
      return [folder, ...srcFolders(folder)];
    });
}

describe('layout', () => {
  const edges = sourceFiles(['src', 'test', 'bench', 'grafana']).flatMap(importsOf);

  it('places every stage folder in the data flow', () => {
    const stages = srcFolders().filter((folder) => folder.split('/').length === 2).map((folder) => folder.slice('src/'.length));
    assert.deepEqual(stages.filter((stage) => !STAGES.includes(stage)), [], 'add the new folder to STAGES and ARCHITECTURE.md');
    assert.deepEqual(STAGES.filter((stage) => !stages.includes(stage)), [], 'a stage listed here has no folder');
  });

  it('gives every folder of src/ a door', () => {
    const files = new Set(sourceFiles(['src']));
    assert.deepEqual(srcFolders().filter((folder) => !files.has(`${folder}/index.ts`)), []);
  });

  it('imports only forward and in stage order, enters folders by their doors, and has no cycles', () => {
    assert.ok(edges.length > 500, `only ${edges.length} imports found: is the reader broken?`);
    assert.deepEqual(layoutProblems(edges), []);
  });

  it('catches each kind of mistake', () => {
    const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, specifier: to, line: 1, typeOnly, kind: 'import' });
    const problems = layoutProblems([
      edge('src/window/a.ts', 'src/api/index.ts'),
      edge('src/cli/a.ts', 'src/splits/store.ts'),
      edge('src/api/a.ts', 'src/api/graphql/split-views.ts'),
      edge('test/x.test.ts', 'src/stats/rows.ts'),
      edge('src/splits/index.ts', 'src/util/index.ts'),
      edge('src/splits/a.ts', 'test/helpers/sim.ts'),
      edge('test/a.test.ts', 'test/b.test.ts'),
      edge('src/go/a.ts', 'src/go/b.ts'),
      edge('src/go/b.ts', 'src/go/a.ts', true),
      edge('src/stats/a.ts', 'src/window/index.ts'),
      edge('src/stats/a.ts', 'src/splits/index.ts'),
    ]);
    const expected = [
      /window\/ may not import api\//,
      /enters src\/splits\/ other than by its door/,
      /enters src\/api\/graphql\/ other than by its door/,
      /enters src\/stats\/ other than by its door/,
      /a door re-exports only what its own folder holds/,
      /product code imports from outside src\//,
      /a test file is not a module/,
      /import cycle: src\/go\/a\.ts → src\/go\/b\.ts → src\/go\/a\.ts/,
      /src\/stats\/a\.ts:1 imports src\/splits\/index\.ts out of the stage order/,
    ];
    for (const pattern of expected) assert.ok(problems.some((problem) => pattern.test(problem)), `${String(pattern)} in ${problems.join('\n')}`);
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  // Each of these costs tens of MB resident in every process that loads it (BENCHMARKS.md):
  // only a process that uses them may load them, by import() when it does.
  it('loads the Kubernetes client, GraphQL and the GraphiQL bundle only when they are used', () => {
    const loaded = staticallyLoadedPackages('src/main.ts');
    for (const heavy of ['@kubernetes/client-node', '@graphql-yoga/render-graphiql', 'graphql-yoga', 'graphql', '@escape.tech/graphql-armor']) {
      assert.equal(loaded.get(heavy)?.join(' > '), undefined, `${heavy} is loaded at start-up`);
    }
    // The reader does see them where they are used.
    assert.ok(staticallyLoadedPackages('src/splits/kube/index.ts').has('@kubernetes/client-node'));
    assert.ok(staticallyLoadedPackages('src/api/graphql/create-graphql.ts').has('graphql-yoga'));
    assert.ok(loaded.has('express') && loaded.has('prom-client'));
  });
});
