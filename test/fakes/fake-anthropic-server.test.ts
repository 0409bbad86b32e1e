import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeThinkingSignature, startFakeAnthropicServer, type FakeAnthropicServer } from './fake-anthropic-server.js';

let fake: FakeAnthropicServer;
beforeAll(async () => {
  fake = await startFakeAnthropicServer();
});
afterAll(() => fake.close());
beforeEach(() => fake.respondWith({}));

async function postMessages(body: object): Promise<Response> {
  return fetch(`${fake.baseUrl}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-fake', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi there' }],
      ...body,
    }),
  });
}

function parseEvents(text: string): Array<{ event: string; data: { type: string } & Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? '{}');
      return { event, data };
    });
}

describe('fake Anthropic server', () => {
  it('streams the Messages event sequence, thinking block first', async () => {
    fake.respondWith({ thinkingTokens: ['Hm'], replyTokens: ['Yes', '.'] });
    const response = await postMessages({ stream: true });
    const events = parseEvents(await response.text());

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(events.every(({ event, data }) => event === data.type)).toBe(true);
    expect(events.map(({ data }) => data.type)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[3]?.data).toMatchObject({ index: 0, delta: { type: 'thinking_delta', thinking: 'Hm' } });
    expect(events[4]?.data).toMatchObject({ delta: { type: 'signature_delta', signature: fakeThinkingSignature } });
    expect(events[7]?.data).toMatchObject({ index: 1, delta: { type: 'text_delta', text: 'Yes' } });
    expect(events[0]?.data).toMatchObject({ message: { usage: { input_tokens: 2 } } });
    expect(events[10]?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } });
  });

  it('answers without streaming in the message shape', async () => {
    fake.respondWith({ thinkingTokens: ['Hm'], replyTokens: ['Yes'] });
    const body = await (await postMessages({ system: 'Be kind.' })).json();

    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Hm', signature: fakeThinkingSignature },
        { type: 'text', text: 'Yes' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 4, output_tokens: 2 },
    });
  });

  it("answers a scripted error in Anthropic's error shape with retry-after", async () => {
    fake.respondWith({ error: { status: 429, retryAfterSeconds: 9 } });
    const response = await postMessages({});

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('9');
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('records the key and version headers it received', async () => {
    await postMessages({});
    expect(fake.lastRequest().headers).toMatchObject({ 'x-api-key': 'sk-ant-fake', 'anthropic-version': '2023-06-01' });
  });

  it('closes promptly while a stream is stalled', async () => {
    const stalling = await startFakeAnthropicServer({ stallAfterTokens: 0 });
    const response = await fetch(`${stalling.baseUrl}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [] }),
    });
    const reader = response.body!.getReader();
    await reader.read();

    const startedAt = Date.now();
    await stalling.close();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    await expect(reader.read()).rejects.toThrow();
  });
});
