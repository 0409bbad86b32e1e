import { randomBytes } from 'node:crypto';

/** What the run's clients act on: one tenant's agent, conversations, inboxes and credentials. */
export interface ChaosTenant {
  readonly tenantId: string;
  /** An admin's API key: it does not expire within a 30-minute run, as an access token would. */
  readonly headers: Record<string, string>;
  readonly agentId: string;
  readonly agentName: string;
  /** One conversation per chat client, which the socket clients watch. */
  readonly conversationIds: string[];
  readonly widgetInboxId: string;
  readonly mailAddress: string;
  readonly siteOrigin: string;
  /** The knowledge source the import client imports into. */
  readonly importSourceId: string;
  /** The mid-import kill's own source: its newest import is the one the fault watches. */
  readonly cutImportSourceId: string;
}

export const siteOrigin = 'https://shop.example';

/** A JSON request to `base` that must answer `status`; the parsed body. */
export async function expectJson<T>(
  base: string,
  method: string,
  url: string,
  body: object | undefined,
  headers: Record<string, string>,
  status: number,
): Promise<T> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...headers, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== status) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/**
 * The platform admin (the first account) and everything the clients need, made through `base` before
 * any fault: an agent on the fake provider, a webhook endpoint for `message.created`, a widget inbox the
 * agent answers, an email inbox people answer, and a token budget large enough never to refuse.
 */
export async function setUpChaosTenant(base: string, chatClients: number, webhookUrl: string) {
  const registered = await expectJson<{ accessToken: string; user: { tenantId: string } }>(
    base,
    'POST',
    '/v1/auth/register',
    { email: `chaos-${randomBytes(4).toString('hex')}@example.test`, password: 'a long chaos password' },
    {},
    201,
  );
  const signedIn = { authorization: `Bearer ${registered.accessToken}` };
  const tenantId = registered.user.tenantId;
  const key = await expectJson<{ key: string }>(
    base,
    'POST',
    '/v1/api-keys',
    { name: 'chaos', role: 'platform_admin' },
    signedIn,
    201,
  );
  const headers = { authorization: `Bearer ${key.key}` };
  const post = <T>(url: string, body: object, status = 201) => expectJson<T>(base, 'POST', url, body, headers, status);
  const agentName = 'Chaos agent';
  const agent = await post<{ id: string }>('/v1/agents', {
    name: agentName,
    instructions: 'Answer briefly.',
    model: 'openai:gpt-4o-mini',
    visibility: 'tenant',
  });
  const webhook = await post<{ secret: string }>('/v1/webhooks', { url: webhookUrl, eventTypes: ['message.created'] });
  await expectJson(base, 'PUT', `/v1/tenants/${tenantId}/email-domains`, { domains: ['shop.example'] }, headers, 200);
  await expectJson(base, 'PUT', '/v1/tenant/budget', { monthlyTokens: 1_000_000_000 }, headers, 200);
  const widgetInbox = await post<{ id: string }>('/v1/inboxes', {
    name: 'Website',
    agentId: agent.id,
    allowedOrigins: [siteOrigin],
  });
  const mailAddress = 'people@shop.example';
  await post('/v1/inboxes', { name: 'People', kind: 'email', emailAddress: mailAddress, allowedOrigins: [] });
  const importSource = await post<{ id: string }>('/v1/knowledge-sources', { name: 'Imported handbook' });
  const cutImportSource = await post<{ id: string }>('/v1/knowledge-sources', { name: 'Imports cut short' });
  const conversationIds: string[] = [];
  for (let client = 0; client < chatClients; client += 1) {
    conversationIds.push((await post<{ id: string }>('/v1/conversations', { agentId: agent.id })).id);
  }
  const tenant: ChaosTenant = {
    tenantId,
    headers,
    agentId: agent.id,
    agentName,
    conversationIds,
    widgetInboxId: widgetInbox.id,
    mailAddress,
    siteOrigin,
    importSourceId: importSource.id,
    cutImportSourceId: cutImportSource.id,
  };
  return { tenant, webhookSecret: webhook.secret };
}
