import { expect } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';

export const siteOrigin = 'https://shop.example';

export interface WidgetVisitor {
  readonly contactToken: string;
  readonly contactId: string;
  readonly headers: Record<string, string>;
}

/** An inbox made by a tenant admin, with its signing secret (shown once, at creation). */
export async function createInbox(app: App, admin: SignedIn, body: Record<string, unknown> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/inboxes',
    headers: admin.headers,
    payload: { name: 'Website', allowedOrigins: [siteOrigin], ...body },
  });
  if (response.statusCode !== 201) throw new Error(`create inbox failed: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string; signingSecret: string }>();
}

/** A visitor of the inbox's widget on the allowed site, as the loader starts one. */
export async function startVisitor(
  app: App,
  inboxId: string,
  body: Record<string, unknown> = {},
  origin = siteOrigin,
): Promise<WidgetVisitor> {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/widget/inboxes/${inboxId}/sessions`,
    headers: { origin },
    payload: body,
  });
  if (response.statusCode !== 201) throw new Error(`start session failed: ${response.statusCode} ${response.body}`);
  const session = response.json<{ contactToken: string; contactId: string }>();
  return { ...session, headers: { origin, authorization: `Bearer ${session.contactToken}` } };
}

export async function startConversation(app: App, visitor: WidgetVisitor): Promise<{ id: string; status: string }> {
  const response = await app.inject({ method: 'POST', url: '/v1/widget/conversations', headers: visitor.headers });
  if (response.statusCode !== 201)
    throw new Error(`start conversation failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

let clientIds = 0;
export const sendAsVisitor = (
  app: App,
  visitor: WidgetVisitor,
  conversationId: string,
  content: string,
  clientMessageId = `m-${++clientIds}`,
) =>
  app.inject({
    method: 'POST',
    url: `/v1/widget/conversations/${conversationId}/messages`,
    headers: visitor.headers,
    payload: { content, clientMessageId },
  });

export interface LiveEvent {
  type: string;
  delta?: string;
  message?: { author: string; content: string; status: string };
  conversation?: { status: string; operatorName: string | null };
  /** typing: who; read: which side read, through which message. */
  name?: string | null;
  reader?: string;
  readThroughMessageId?: string;
}

/** A conversation's event stream read over a real socket, as the widget's EventSource reads it. */
export async function openEvents(address: string, visitor: WidgetVisitor, id: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(`${address}/v1/widget/conversations/${id}/events`, {
    headers: { ...visitor.headers, ...headers },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: (LiveEvent & { id?: string })[] = [];
  let buffered = '';
  return {
    events,
    async until(enough: (events: readonly LiveEvent[]) => boolean): Promise<void> {
      const deadline = Date.now() + 20_000;
      while (!enough(events)) {
        if (Date.now() > deadline) throw new Error(`stream did not say enough: ${JSON.stringify(events)}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffered += value;
        const chunks = buffered.split('\n\n');
        buffered = chunks.pop() ?? '';
        for (const chunk of chunks) {
          const lines = chunk.split('\n');
          const data = lines.find((line) => line.startsWith('data: '));
          const eventId = lines.find((line) => line.startsWith('id: '))?.slice(4);
          if (data) events.push({ ...(JSON.parse(data.slice(6)) as LiveEvent), ...(eventId && { id: eventId }) });
        }
      }
    },
    async close() {
      await reader.cancel().catch(() => undefined);
      abort.abort();
    },
  };
}
