import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(() => fake.close());
beforeEach(() => fake.respondWith({}));

/** The official client checks the wire format independently of the AI SDK adapters under test elsewhere. */
function client() {
  return new OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseUrl, maxRetries: 0 });
}

async function rawStream(body: object): Promise<string[]> {
  const response = await fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, ...body }),
  });
  const text = await response.text();
  return text.split('\n\n').filter(Boolean);
}

describe('fake OpenAI server', () => {
  it('streams chunks the official client reads, with usage when asked for', async () => {
    fake.respondWith({ replyTokens: ['A', 'B', 'C'] });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const contents: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) contents.push(content);
      if (chunk.usage) usage = chunk.usage;
    }

    expect(contents).toEqual(['A', 'B', 'C']);
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it('ends every stream with [DONE] and sends usage only when asked for', async () => {
    const withoutUsage = await rawStream({});
    expect(withoutUsage.at(-1)).toBe('data: [DONE]');
    expect(withoutUsage.some((event) => event.includes('"usage"'))).toBe(false);

    const withUsage = await rawStream({ stream_options: { include_usage: true } });
    expect(withUsage.at(-2)).toContain('"usage"');
  });

  it('answers without streaming in the chat.completion shape', async () => {
    fake.respondWith({ replyTokens: ['Whole', ' reply'], reasoningTokens: ['Why'] });
    const completion = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
    });

    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('Whole reply');
    expect(completion.choices[0]?.message).toHaveProperty('reasoning_content', 'Why');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('records what it received, including headers and the parsed body', async () => {
    await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });

    const sent = fake.lastRequest();
    expect(sent.headers['authorization']).toBe('Bearer sk-fake');
    expect(sent.body).toMatchObject({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }] });
  });

  it('serves Azure deployment URLs and the path without /v1', async () => {
    for (const path of ['/openai/deployments/dep-1/chat/completions?api-version=2024-10-21', '/chat/completions']) {
      const response = await fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(response.status).toBe(200);
    }
    expect(fake.lastRequest().path).toBe('/chat/completions');
  });

  it('answers a scripted error in OpenAI error JSON with retry-after', async () => {
    fake.respondWith({ error: { status: 429, retryAfterSeconds: 4, code: 'rate_limit_exceeded' } });
    const response = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('4');
    expect(await response.json()).toMatchObject({
      error: { type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' },
    });
  });

  it('paces tokens by the configured delay', async () => {
    fake.respondWith({ replyTokens: ['a', 'b', 'c', 'd'], tokenDelayMs: 50 });
    const startedAt = Date.now();
    await rawStream({});
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
  });

  it('lists its models', async () => {
    const models = await client().models.list();
    expect(models.data.map((model) => model.id)).toEqual(['gpt-4o-mini', 'gpt-4o']);
  });

  it('closes promptly while a stream is stalled', async () => {
    const stalling = await startFakeOpenAIServer({ stallAfterTokens: 1 });
    const response = await fetch(`${stalling.baseUrl}/chat/completions`, {
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

  it('keeps only the most recent requests', async () => {
    const small = await startFakeOpenAIServer({ maxRecordedRequests: 2 });
    try {
      for (const content of ['1', '2', '3']) {
        await fetch(`${small.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content }] }),
        });
      }
      expect(
        small.requests.map((request) => (request.body as { messages: [{ content: string }] }).messages[0].content),
      ).toEqual(['2', '3']);
    } finally {
      await small.close();
    }
  });
});
