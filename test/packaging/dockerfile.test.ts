// The Dockerfile reader and the .dockerignore matcher the packaging tests rely on, and the build
// context the repository's .dockerignore actually produces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildContextFiles, describeImage, DockerIgnore, parseEnv, parseInstructions, parseStages, ROOT, splitFlags } from './dockerfile.js';

describe('Dockerfile reader', () => {
  it('joins continuation lines, drops comments, splits stages', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM node:20 AS build',
      'RUN a \\',
      '  # a comment inside a continued instruction',
      '  && b',
      '',
      'from node:20',
      'COPY --from=build /app/dist ./dist',
      'USER 65532:65532',
      'EXPOSE 8080/tcp',
      'ENTRYPOINT ["node", "dist/main.js"]',
      'CMD ["serve"]',
    ].join('\n');
    const instructions = parseInstructions(text);
    assert.deepEqual(instructions[1], { keyword: 'RUN', args: 'a && b', line: 3 });
    const stages = parseStages(instructions);
    assert.deepEqual(stages.map((stage) => [stage.name, stage.base, stage.instructions.length]), [['build', 'node:20', 1], [undefined, 'node:20', 5]]);
    const image = describeImage(text);
    assert.deepEqual([image.entrypoint, image.cmd, image.user, image.exposed], [['node', 'dist/main.js'], ['serve'], { uid: 65532, gid: 65532 }, [8080]]);
  });

  it('refuses a shell-form ENTRYPOINT and a user name', () => {
    assert.throws(() => describeImage('FROM x\nENTRYPOINT node dist/main.js\n'), /exec form/);
    assert.throws(() => describeImage('FROM x\nUSER node\n'), /not numeric/);
  });

  it('reads flags and ENV forms', () => {
    assert.deepEqual(splitFlags('--mount=type=cache,target=/root/.npm npm ci'), { flags: new Map([['mount', 'type=cache,target=/root/.npm']]), rest: 'npm ci' });
    assert.deepEqual(parseEnv('NODE_ENV=production A="two words" B='), [['NODE_ENV', 'production'], ['A', 'two words'], ['B', '']]);
    assert.deepEqual(parseEnv('NODE_ENV production'), [['NODE_ENV', 'production']]);
  });
});

describe('.dockerignore matching (Docker semantics)', () => {
  it('matches parents, dotfiles and ** and lets the last rule win', () => {
    const ignore = new DockerIgnore('# comment\n*\n!src\n!package.json\nsrc/**/*.test.ts\n!src/keep.test.ts\n');
    assert.equal(ignore.excludes('.git'), true, '* matches dotfiles, unlike shell globs');
    assert.equal(ignore.excludes('node_modules/x/index.js'), true, 'a parent match excludes the file');
    assert.equal(ignore.excludes('src/main.ts'), false);
    assert.equal(ignore.excludes('src/a/b/c.test.ts'), true);
    assert.equal(ignore.excludes('src/c.test.ts'), true, '**/ matches zero directories');
    assert.equal(ignore.excludes('src/keep.test.ts'), false);
    assert.equal(ignore.excludes('package.json'), false);
    assert.equal(ignore.excludes('package-lock.json'), true);
    assert.equal(ignore.mayReinclude('node_modules'), false);
  });

  it('the repository context holds what the image needs and nothing else', async () => {
    const ignore = new DockerIgnore(await readFile(path.join(ROOT, '.dockerignore'), 'utf8'));
    const files = await buildContextFiles(ROOT, ignore);
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/main.ts', 'schema/splitstat.graphql', 'ui/index.html', 'ui/app.js']) {
      assert.ok(files.includes(needed), `${needed} is in the context`);
    }
    const topLevel = new Set(files.map((file) => file.split('/')[0]));
    assert.deepEqual([...topLevel].sort(), ['package-lock.json', 'package.json', 'schema', 'src', 'tsconfig.build.json', 'tsconfig.json', 'ui']);
    assert.deepEqual(files.filter((file) => file.endsWith('.test.ts')), [], 'unit tests stay out');
  });
});
