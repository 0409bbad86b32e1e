import { expect } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';
import { startFakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent } from '../harness/chat-setup.js';
import { buildTestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, createUser, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { createInbox } from '../widget/widget-setup.js';
import { mailClient, startSmtpRelay } from './smtp-relay.js';

/** A line of a support conversation as the desk reads it. */
export interface DeskLine {
  role: string;
  content: string;
  authorName?: string;
  images?: { filename: string }[];
  files?: { filename: string }[];
}

/** A platform admin approves mail domains for a tenant, as an email inbox's address needs (docs/customer-service.md). */
export async function approveEmailDomains(app: App, platformAdmin: SignedIn, tenantId: string, domains: string[]) {
  const response = await app.inject({
    method: 'PUT',
    url: `/v1/tenants/${tenantId}/email-domains`,
    headers: platformAdmin.headers,
    payload: { domains },
  });
  expect(response.statusCode, response.body).toBe(200);
}

/**
 * A desk with two email inboxes, listening for mail on a free port and sending replies through an SMTP
 * server the test runs: `help@shop.example` answered by an agent on the fake OpenAI server, and
 * `people@shop.example` answered by people (the operator is "Olga Operator").
 */
export async function startEmailDesk(options: { maxMailBytes: number; env?: Record<string, string> }) {
  const openai = await startFakeOpenAIServer();
  const relay = await startSmtpRelay();
  const t = await buildTestApp({
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_API_KEY: 'sk-server-secret-0123456789',
    EMAIL_SMTP_PORT: '0',
    EMAIL_SMTP_HOST: '127.0.0.1',
    EMAIL_MAX_BYTES: String(options.maxMailBytes),
    EMAIL_SMTP_URL: relay.url,
    ...options.env,
  });
  await t.app.ready();
  const listenerPort = t.app.email.listenerAddress()!.port;
  const client = mailClient(listenerPort);
  const platformAdmin = await registerPlatformAdmin(t.app);
  const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
  await approveEmailDomains(t.app, platformAdmin, admin.tenantId, ['shop.example']);
  const operator = await createUser(t.app, admin, 'operator');
  const named = await t.app.inject({
    method: 'PATCH',
    url: `/v1/users/${operator.userId}`,
    headers: admin.headers,
    payload: { displayName: 'Olga Operator' },
  });
  expect(named.statusCode, named.body).toBe(200);
  const agent = await createAgent(t.app, admin, {
    name: 'Front desk',
    model: 'openai:gpt-4o-mini',
    visibility: 'tenant',
  });
  const aiInbox = await createInbox(t.app, admin, {
    name: 'Help',
    kind: 'email',
    emailAddress: 'Help@Shop.example',
    allowedOrigins: [],
    agentId: agent.id,
  });
  const humanInbox = await createInbox(t.app, admin, {
    name: 'People',
    kind: 'email',
    emailAddress: 'people@shop.example',
    allowedOrigins: [],
  });

  return {
    t,
    openai,
    relay,
    client,
    listenerPort,
    platformAdmin,
    admin,
    operator,
    /** The AI inbox's agent. */
    agent,
    aiInbox,
    humanInbox,
    async conversationsOf(inboxId: string) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/support-conversations?inboxId=${inboxId}&limit=100`,
        headers: admin.headers,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ items: { id: string; contactId: string; status: string }[] }>().items;
    },
    /** The conversation's messages, without its system lines. */
    async linesOf(id: string) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/support-conversations/${id}/messages?limit=100`,
        headers: admin.headers,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ items: DeskLine[] }>().items.filter((line) => line.role !== 'system');
    },
    async close() {
      client.close();
      await t.close();
      await relay.close();
      await openai.close();
    },
  };
}

export type EmailDesk = Awaited<ReturnType<typeof startEmailDesk>>;
