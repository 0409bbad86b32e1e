import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { App } from '../../platform/http/types.js';
import type { WidgetSessions } from './widget-sessions.js';

// src/modules/widget and dist/modules/widget sit at the same depth, so this resolves in both.
const assetsDir = fileURLToPath(new URL('../../../web/widget/', import.meta.url));
const readAsset = (name: string): string => readFileSync(`${assetsDir}${name}`, 'utf8');

const panelHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Support chat</title><link rel="stylesheet" href="/widget/panel.css"></head>
<body>
<header><h1 id="title"></h1><button type="button" id="handoff" hidden></button><button type="button" id="close"></button></header>
<p id="status" role="status" aria-live="polite"></p>
<div id="log" role="log" aria-live="polite"></div>
<p id="typing" aria-live="polite"></p>
<form id="email-form" class="rating" hidden><input type="email" id="email" required autocomplete="email"><button type="submit" id="save-email"></button></form>
<form id="rating" class="rating" hidden><fieldset><legend id="rating-legend"></legend>
${[1, 2, 3, 4, 5].map((value) => `<label><input type="radio" name="rating" value="${value}"> ${value}★</label>`).join('')}
</fieldset><input type="text" id="comment" maxlength="2000"><button type="submit" id="rate"></button></form>
<form id="composer"><label for="message" id="message-label" class="visually-hidden"></label>
<input type="file" id="image-input" accept="image/png,image/jpeg,image/webp,image/gif" class="visually-hidden" tabindex="-1" aria-hidden="true">
<button type="button" id="attach" class="attach">+</button>
<textarea id="message" rows="1" maxlength="4000"></textarea><button type="submit" id="send"></button></form>
<script type="module" src="/widget/panel.js"></script>
</body></html>`;

/**
 * The panel's page may be framed only by the inbox's allowed sites (frame-ancestors), and runs only
 * Parley's own script, talking only to Parley: as locked down as the console's page.
 */
function panelSecurityHeaders(allowedOrigins: readonly string[]) {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      // 'self': the console's Inbox settings preview frames it.
      `frame-ancestors 'self'${allowedOrigins.map((origin) => ` ${origin}`).join('')}`,
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

const cacheFiveMinutes = 'public, max-age=300';

/** The loader a tenant's page includes, and the panel it opens in an iframe (web/widget/). */
export function registerWidgetAssetRoutes(app: App, sessions: Pick<WidgetSessions, 'findInbox'>): void {
  const loader = readAsset('loader.js');
  const panelScript = readAsset('panel.js');
  const panelStyle = readAsset('panel.css');
  const asset = (url: string, type: string, body: string) =>
    app.get(url, {
      config: { access: 'public' },
      schema: { hide: true },
      handler: (_request, reply) =>
        reply
          .header('content-type', `${type}; charset=utf-8`)
          .header('cache-control', cacheFiveMinutes)
          .header('x-content-type-options', 'nosniff')
          .send(body),
    });
  asset('/widget.js', 'application/javascript', loader);
  asset('/widget/panel.js', 'application/javascript', panelScript);
  asset('/widget/panel.css', 'text/css', panelStyle);

  app.get('/widget/panel', {
    config: { access: 'public' },
    schema: { hide: true, querystring: z.looseObject({ inbox: z.uuid('must be an inbox id (UUID)') }) },
    handler: async (request, reply) => {
      const inbox = await sessions.findInbox(request.query.inbox);
      return reply
        .headers(panelSecurityHeaders(inbox.allowedOrigins))
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(panelHtml);
    },
  });
}
