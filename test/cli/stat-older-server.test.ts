// `stat ts` against a splitstat from before HTTPRoute splits: its schema has no `kind` argument
// (and serves TrafficSplits only), so the command falls back to the query such a server knows;
// `stat httproute` says plainly that the server cannot answer it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { runCli } from '../../src/cli/index.js';

// Today's schema less what HTTPRoute splits added: the `kind` arguments and field.
const typeDefs = readFileSync(new URL('../../schema/splitstat.graphql', import.meta.url), 'utf8')
  .replace(/(labelSelector: String)\s+kind: String/g, '$1')
  .replace(/, kind: String,/g, ',')
  .replace(/\n\s*"""\n\s*"TrafficSplit" or "HTTPRoute"[\s\S]*?"""\n\s*kind: String!\n/, '\n');

const stats = { windowSeconds: 60, successCount: 120, failureCount: 0, successRate: 1, rps: 2, latencyMsP50: 10, latencyMsP95: 20, latencyMsP99: 30 };
const received: Record<string, unknown>[] = [];
const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Query: {
        trafficSplits: (_parent: unknown, args: Record<string, unknown>) => {
          received.push(JSON.parse(JSON.stringify(args)) as Record<string, unknown>);
          return [
            {
              namespace: 'default',
              name: 'web',
              apex: 'web',
              backends: [{ service: 'web-v1', weight: '1', weightValue: 1, weightRatio: 1, observedRatio: 1, stats: { window: '1m', ...stats } }],
            },
          ];
        },
      },
    },
  }),
  logging: false,
});

describe('stat against an older splitstat', () => {
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((request, response) => void yoga(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function stat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['node', 'splitstat', 'stat', ...args, '--server', url], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    });
    return { code, stdout, stderr };
  }

  it('the schema really lacks `kind` (the fallback is exercised)', () => {
    assert.doesNotMatch(typeDefs, /labelSelector: String\s+kind: String/);
    // Only WeightChange's own `kind` (created, updated, deleted) is left.
    assert.equal(typeDefs.match(/kind: String!/g)?.length, 1);
    assert.doesNotMatch(typeDefs, /name: String!, kind: String/);
  });

  it('stat ts falls back to the query without `kind` and prints the table', async () => {
    received.length = 0;
    const run = await stat('ts', '-n', 'default');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^web +web +web-v1 +1 +100\.00% +2\.0rps +10ms +20ms +30ms$/m);
    assert.deepEqual(received, [{ namespace: 'default', window: '1m' }]);
  });

  it('stat httproute says the server is older than HTTPRoute splits', async () => {
    const run = await stat('httproute', '-n', 'default');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /does not serve HTTPRoute splits/);
  });
});
