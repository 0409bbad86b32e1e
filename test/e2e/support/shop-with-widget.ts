import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { App } from '../../../src/platform/http/types.js';
import { createAgent } from '../../harness/chat-setup.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from '../../knowledge/knowledge-setup.js';
import { createInbox } from '../../widget/widget-setup.js';

const faq =
  '# Returns\n\nParcels can be returned within 30 days of delivery. Print the label from your account page.\n';

export interface ShopWithWidget {
  readonly admin: SignedInUser;
  readonly inboxId: string;
  /** The shop's page, on a port (so an origin) of its own, with the one line of the snippet. */
  readonly siteUrl: string;
  close(): Promise<void>;
}

/**
 * A tenant "Shop" whose FAQ (returns within 30 days) is a knowledge source of an offline agent that
 * answers first in an inbox, and the shop's own page embedding that inbox's widget.
 */
export async function openShopWithWidget(
  app: App,
  parleyUrl: string,
  inbox: Record<string, unknown> = {},
  /** More attributes of the snippet's script tag, as written (` data-title-flash`). */
  snippetAttributes = '',
): Promise<ShopWithWidget> {
  const platformAdmin = await registerPlatformAdmin(app);
  const admin = await createTenantWithAdmin(app, platformAdmin, 'Shop');
  const sourceId = (await createSource(app, admin, { name: 'FAQ' })).id;
  const document = await uploadAccepted(app, admin, sourceId, Buffer.from(faq), { filename: 'faq.md' });
  expect((await waitForDocument(app, admin, sourceId, document.id)).status).toBe('ready');
  const agent = await createAgent(app, admin, {
    name: 'FAQ bot',
    model: 'offline',
    visibility: 'tenant',
    knowledgeSourceIds: [sourceId],
  });
  let inboxId = '';
  const site: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>The shop</h1>` +
        `<script src="${parleyUrl}/widget.js" data-inbox="${inboxId}"${snippetAttributes} async></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  inboxId = (await createInbox(app, admin, { agentId: agent.id, allowedOrigins: [siteUrl], ...inbox })).id;
  return {
    admin,
    inboxId,
    siteUrl,
    close: () => new Promise<void>((resolve) => site.close(() => resolve())),
  };
}
