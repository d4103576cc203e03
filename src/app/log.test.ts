import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLog, graphqlLogger } from './log.js';

const NOW = Date.parse('2026-01-02T03:04:05.678Z');

function capture(format: 'auto' | 'text' | 'json', isTTY: boolean) {
  const lines: string[] = [];
  const log = createLog({ format, isTTY, now: () => NOW, write: (line) => void lines.push(line) });
  return { log, lines };
}

describe('log: one line per event', () => {
  it('writes JSON when stderr is not a terminal, text when it is, and what was asked otherwise', () => {
    const piped = capture('auto', false);
    piped.log('serving on http://127.0.0.1:8080');
    assert.deepEqual(piped.lines, ['{"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"serving on http://127.0.0.1:8080"}\n']);
    const terminal = capture('auto', true);
    terminal.log('scrape failed', 'warn', { target: 'shop/web-1' });
    assert.deepEqual(terminal.lines, ['2026-01-02T03:04:05.678Z warn scrape failed target="shop/web-1"\n']);
    const asked = capture('json', true);
    asked.log('x');
    assert.equal((JSON.parse(asked.lines[0] ?? '') as { msg: string }).msg, 'x');
  });

  it('folds a multi-line message (a Kubernetes error body, a stack) into one line', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture(format, false);
      log('watch failed:\n  410 Gone\r\n  resourceVersion too old\u2028end', 'error');
      assert.equal(lines.length, 1);
      assert.equal((lines[0] ?? '').split('\n').length, 2, 'only the final newline');
      assert.match(lines[0] ?? '', /watch failed: \| 410 Gone \| resourceVersion too old \| end/);
    }
  });

  it('logs a GraphQL internal error as one line with its stack as a field', () => {
    const { log, lines } = capture('json', false);
    const error = new Error('stat source exploded');
    graphqlLogger(log).error(error);
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] ?? '') as Record<string, string>;
    assert.equal(entry.level, 'error');
    assert.equal(entry.msg, 'graphql: stat source exploded');
    assert.match(entry.stack ?? '', /^Error: stat source exploded \| at /);
    graphqlLogger(log).debug('per request noise');
    assert.equal(lines.length, 1);
  });
});
