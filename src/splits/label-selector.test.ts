import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LabelSelectorError, parseLabelSelector } from './label-selector.js';

const web = { app: 'web', tier: 'frontend', env: 'prod' };
const db = { app: 'db', tier: 'backend', legacy: 'true' };
const bare = {};

/** Which of web, db and bare the selector matches. */
function matching(selector: string): string[] {
  const parsed = parseLabelSelector(selector);
  return Object.entries({ web, db, bare })
    .filter(([, labels]) => parsed.matches(labels))
    .map(([name]) => name);
}

describe('parseLabelSelector', { timeout: 30_000 }, () => {
  it('matches everything when empty or blank', () => {
    assert.deepEqual(matching(''), ['web', 'db', 'bare']);
    assert.deepEqual(matching('   '), ['web', 'db', 'bare']);
  });

  it('supports =, == and != (which also matches objects without the label)', () => {
    assert.deepEqual(matching('app=web'), ['web']);
    assert.deepEqual(matching('app==web'), ['web']);
    assert.deepEqual(matching('app!=web'), ['db', 'bare']);
  });

  it('supports in and notin (which also matches objects without the label)', () => {
    assert.deepEqual(matching('tier in (frontend, backend)'), ['web', 'db']);
    assert.deepEqual(matching('env notin (prod)'), ['db', 'bare']);
  });

  it('supports existence and non-existence', () => {
    assert.deepEqual(matching('legacy'), ['db']);
    assert.deepEqual(matching('!legacy'), ['web', 'bare']);
  });

  it('requires every requirement, ignoring whitespace between tokens', () => {
    assert.deepEqual(matching(' app != db , tier in (frontend,backend) ,!legacy '), ['web']);
    assert.deepEqual(matching('app=web,env=staging'), []);
  });

  it('reads the empty value after = and as an empty set entry, like apimachinery', () => {
    assert.deepEqual(parseLabelSelector('tier=').requirements, [{ key: 'tier', operator: 'equals', values: [''] }]);
    assert.deepEqual(parseLabelSelector('tier in (a,)').requirements, [{ key: 'tier', operator: 'in', values: ['a', ''] }]);
    assert.equal(parseLabelSelector('tier=').matches({ tier: '' }), true);
  });

  it('accepts prefixed keys and the keywords as keys', () => {
    assert.deepEqual(parseLabelSelector('app.kubernetes.io/name=web,in=x').requirements, [
      { key: 'app.kubernetes.io/name', operator: 'equals', values: ['web'] },
      { key: 'in', operator: 'equals', values: ['x'] },
    ]);
  });

  it('rejects malformed selectors with a message that points at the problem', () => {
    const cases: [string, RegExp][] = [
      ['app in (web', /expected "," or "\)", found the end/],
      ['app in web', /expected "\(" after in, found "web" at position 8/],
      ['app in ()', /"in" needs at least one value/],
      ['app web', /expected an operator \(=, ==, !=, in, notin\), "," or the end, found "web" at position 5/],
      ['app=web,', /expected a label key, found the end/],
      ['app=web tier=x', /expected "," or the end, found "tier" at position 9/],
      ['!app=web', /expected "," or the end, found "=" at position 5/],
      ['=web', /expected a label key, found "=" at position 1/],
      ['replicas>1', /">" at position 9 is not supported/],
      ['-app=web', /label key "-app"/],
      ['Example.com/app=web', /prefix must be a lower-case DNS subdomain/],
      [`app=${'x'.repeat(64)}`, /label value "x+" must be at most 63 characters/],
      ['app=we$b', /label value "we\$b"/],
    ];
    for (const [selector, message] of cases) {
      assert.throws(() => parseLabelSelector(selector), (error: unknown) => {
        assert.ok(error instanceof LabelSelectorError, `${selector}: ${String(error)}`);
        assert.match(error.message, message, selector);
        return true;
      });
    }
  });
});
