import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { registerPublicPluginRoutes } from './route-access.js';
import type { App } from './types.js';

// src/platform/http and dist/platform/http sit at the same depth, so this resolves in both.
export const defaultWebRoot = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const notBuiltPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Parley</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>Parley is running</h1><p>The web console has not been built. Run <code>npm run build</code>
(or <code>npm start</code>, which builds it) and reload. The API is at <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * Defence in depth behind the console's own sanitising: only our scripts run, the page talks only to
 * this server, and it cannot be framed. No remote image loads in the page: a reply's image is a link
 * the person may open in a tab of its own (issue 33), so a reply cannot make the console call anywhere.
 */
const pageSecurityHeaders = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * Serves the built single-page app from `web/dist`: hashed assets cached for a year, the page itself
 * never cached (so a deploy is picked up at once). Returns the fallback used for client-side routes.
 */
export async function registerWebConsole(
  app: App,
  rootDir = defaultWebRoot,
): Promise<{ pageFallback: (reply: FastifyReply) => FastifyReply }> {
  if (!existsSync(path.join(rootDir, 'index.html'))) {
    const sendNotBuilt = (reply: FastifyReply) => reply.type('text/html; charset=utf-8').send(notBuiltPage);
    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => sendNotBuilt(reply));
    return { pageFallback: sendNotBuilt };
  }
  await registerPublicPluginRoutes(app, () =>
    app.register(fastifyStatic, {
      root: rootDir,
      wildcard: false,
      cacheControl: false, // set per file below
      index: ['index.html'],
      setHeaders: (response, filePath) => {
        const isHashedAsset = filePath.includes(`${path.sep}assets${path.sep}`);
        response.setHeader('cache-control', isHashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache');
        if (filePath.endsWith('.html')) {
          for (const [name, value] of Object.entries(pageSecurityHeaders)) response.setHeader(name, value);
        }
      },
    }),
  );
  return {
    pageFallback: (reply) =>
      reply.headers(pageSecurityHeaders).header('cache-control', 'no-cache').sendFile('index.html', rootDir),
  };
}
