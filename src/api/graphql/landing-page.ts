// The page a browser gets for an unknown path when the landing page is on. Yoga's own loads its
// icon from raw.githubusercontent.com; this one is self-contained like GraphiQL, and says 404,
// because the path is still unknown.
import type { LandingPageRenderer } from 'graphql-yoga';

export const renderLandingPage: LandingPageRenderer = ({ fetchAPI, graphqlEndpoint, url }) =>
  new fetchAPI.Response(
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>splitstat</title><link rel="icon" href="data:,"></head>
<body>
<h1>Nothing at ${escapeHtml(url.pathname)}</h1>
<p>splitstat's GraphQL API, with GraphiQL for browsers, is at <a href="${escapeHtml(graphqlEndpoint)}">${escapeHtml(graphqlEndpoint)}</a>.</p>
</body>
</html>
`,
    { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' } },
  );

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
