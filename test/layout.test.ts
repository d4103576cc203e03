// The layout is a contract like the metric names: stages import only earlier stages, a folder is
// entered only through its index.ts, and nothing imports in a circle. ARCHITECTURE.md explains
// the order; this test keeps the tree to it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { enteredFolder, findCycles, importsOf, ROOT, sourceFiles, stageOf } from './helpers/import-graph.js';
import type { ImportEdge } from './helpers/import-graph.js';

/** The data flow, earliest first (ARCHITECTURE.md). A stage may import only stages before it. */
const STAGES = ['util', 'go', 'kube', 'splits', 'collect', 'promql', 'mesh', 'window', 'ingest', 'stats', 'sim', 'api', 'app', 'cli'];

function layoutProblems(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
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
  const edges = sourceFiles(['src', 'test', 'bench']).flatMap(importsOf);

  it('places every stage folder in the data flow', () => {
    const stages = srcFolders().filter((folder) => folder.split('/').length === 2).map((folder) => folder.slice('src/'.length));
    assert.deepEqual(stages.filter((stage) => !STAGES.includes(stage)), [], 'add the new folder to STAGES and ARCHITECTURE.md');
    assert.deepEqual(STAGES.filter((stage) => !stages.includes(stage)), [], 'a stage listed here has no folder');
  });

  it('gives every folder of src/ a door', () => {
    const files = new Set(sourceFiles(['src']));
    assert.deepEqual(srcFolders().filter((folder) => !files.has(`${folder}/index.ts`)), []);
  });

  it('imports only forward, enters folders by their doors, and has no cycles', () => {
    assert.ok(edges.length > 500, `only ${edges.length} imports found: is the reader broken?`);
    assert.deepEqual(layoutProblems(edges), []);
  });

  it('catches each kind of mistake', () => {
    const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, specifier: to, line: 1, typeOnly });
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
    ];
    for (const pattern of expected) assert.ok(problems.some((problem) => pattern.test(problem)), `${String(pattern)} in ${problems.join('\n')}`);
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });
});
