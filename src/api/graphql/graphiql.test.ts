import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_QUERY } from './graphiql.js';
import { setup } from '../../../test/helpers/graphql-context.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/**
 * What would make a browser fetch something from another host: an external src/href/data
 * attribute anywhere (in markup or in markup-building script), a CSS url() or @import of one,
 * or a script tag with any src at all (everything must be inline). Returns the offenders.
 */
function externalLoads(html: string): string[] {
  const offenders: string[] = [];
  const external = String.raw`(?:https?:)?\/\/[^"'\s)>]+`;
  const patterns = [
    new RegExp(String.raw`\b(?:src|href|data|srcset|action|poster)\s*=\s*\\?["']?\s*(${external})`, 'gi'),
    new RegExp(String.raw`url\(\s*\\?["']?(${external})`, 'gi'),
    new RegExp(String.raw`@import\s+\\?["']?(${external})`, 'gi'),
    /<script\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)/gi,
    /\b((?:unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|fonts\.googleapis\.com|fonts\.gstatic\.com)[^"'\s]*)/gi,
  ];
  for (const pattern of patterns) for (const match of html.matchAll(pattern)) offenders.push((match[1] as string).slice(0, 120));
  return offenders;
}

describe('GraphiQL', { timeout: 30_000 }, () => {
  it('is served to browsers at /graphql with everything inlined: no request leaves the machine', async () => {
    const { yoga } = setup();
    const response = await yoga.fetch('http://localhost/graphql', { headers: BROWSER });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<title>splitstat<\/title>/);
    assert.ok(html.length > 100_000, 'the GraphiQL bundle is inlined');
    assert.deepEqual(externalLoads(html), []);
    // The check itself finds what it is looking for.
    assert.deepEqual(externalLoads('<img src="https://evil.example/x.png"><link href=//cdn.example/a.css>'), [
      'https://evil.example/x.png',
      '//cdn.example/a.css',
    ]);
    assert.deepEqual(externalLoads('<style>@import "https://a.example/b.css"; body { background: url(https://c.example/d.png) }</style>').length, 2);
    assert.deepEqual(externalLoads('<script src="/local.js"></script>'), ['/local.js']);
  });

  it('opens with the default query (which protection.test.ts runs through every limit)', async () => {
    const { yoga } = setup();
    const html = await (await yoga.fetch('http://localhost/graphql', { headers: BROWSER })).text();
    assert.ok(html.includes(JSON.stringify(DEFAULT_QUERY).slice(1, -1)), 'default query embedded in the page');
    assert.match(DEFAULT_QUERY, /backends \{\s+service\s+weight\s+weightRatio\s+observedRatio\s+stats \{\s+successRate\s+rps\s+latencyMsP50/);
  });

  it('is not served when disabled', async () => {
    const { yoga } = setup({ graphiql: false });
    const response = await yoga.fetch('http://localhost/graphql', { headers: BROWSER });
    assert.doesNotMatch(response.headers.get('content-type') ?? '', /text\/html/);
    await response.body?.cancel();
  });

  it('answers unknown paths with an empty 404, or a self-contained page pointing to /graphql', async () => {
    const plain = await setup().yoga.fetch('http://localhost/elsewhere', { headers: BROWSER });
    assert.equal(plain.status, 404);
    assert.equal(await plain.text(), '');
    const landing = await setup({ landingPage: true }).yoga.fetch('http://localhost/elsewhere/<b>', { headers: BROWSER });
    assert.equal(landing.status, 404);
    const html = await landing.text();
    assert.match(html, /<a href="\/graphql">/);
    assert.match(html, /Nothing at \/elsewhere\/%3Cb%3E/);
    assert.deepEqual(externalLoads(html), []);
  });
});
