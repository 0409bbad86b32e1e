import type { LanguageModelV3, LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { OpenAICompatibleChatLanguageModel } from '@ai-sdk/openai-compatible';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { profileModelId, replyTokens, startMockLlm, type RunningMock } from '../../bench/chat/mock-llm.js';
import { providerName as benchProviderName } from '../../bench/chat/parley-instance.js';
import { describeModelError } from '../../src/ai/model-errors.js';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { gatedCallHeaders } from '../../src/platform/outbound/gated-call-scope.js';
import { createDirectHttp, createOutboundHttp, type OutboundHttp } from '../../src/platform/outbound/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { errorOf } from './collect-parts.js';
import { plainCall, tenantProviderAt } from './openai-compatible-fixtures.js';

/**
 * Which fetch the lean stream (ADR 28) sends through, and when it is used: the servers' pool, which sends
 * only what carries the gate's mark and takes the mark off; a tenant's outbound guard; MODEL_LEAN_STREAM;
 * and the chat benchmark's provider, whose plain turns must take it for the benchmark to measure it.
 * The SDK model's `doStream` is watched (not replaced) to tell the paths apart.
 */
const sdkStreams = vi.spyOn(OpenAICompatibleChatLanguageModel.prototype, 'doStream');
const gateMarkHeader = Object.keys(gatedCallHeaders())[0]!;

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.respondWith({});
  sdkStreams.mockClear();
});

async function textOf(model: LanguageModelV3, options: LanguageModelV3CallOptions): Promise<string> {
  let text = '';
  const { stream } = await model.doStream(options);
  for await (const part of stream) if (part.type === 'text-delta') text += part.delta;
  return text;
}

describe("the lean stream's way out", () => {
  it("goes through the servers' pool, which refuses a call outside the gate and never forwards the mark", async () => {
    const pool = createDirectHttp();
    try {
      const providers = {
        compatible: { name: 'vllm', baseUrl: fake.baseUrl },
        ollama: { baseUrl: fake.url },
      };
      const registry = createModelRegistry({
        providerFetch: pool.fetch,
        config: { defaultModel: undefined, providers },
      });
      for (const ref of ['vllm:qwen3', 'ollama:llama3.1']) {
        const model = await registry.resolve(ref, []);
        const before = fake.requests.length;
        await expect(model.doStream(plainCall), ref).rejects.toThrow(/did not come through the model gate/);
        expect(fake.requests.length, ref).toBe(before);
        const marked = { ...plainCall, headers: gatedCallHeaders() };
        expect(await textOf(model, marked), ref).toBe('Hello from the fake model.');
        expect(Object.keys(fake.lastRequest().headers), ref).not.toContain(gateMarkHeader);
      }
      expect(sdkStreams).not.toHaveBeenCalled();
    } finally {
      await pool.close();
    }
  });

  it("goes through a tenant provider's outbound guard, refused on a loopback address as the SDK is", async () => {
    const closed = createOutboundHttp({ allowList: [] });
    const opened = createOutboundHttp({ allowList: ['127.0.0.1'] });
    const resolve = (outbound: OutboundHttp, isLeanStreamOn: boolean) =>
      createModelRegistry({ isLeanStreamOn, config: { providers: {}, defaultModel: undefined } }).resolve(
        'local:llama3.1',
        [tenantProviderAt(fake.baseUrl, outbound)],
      );
    try {
      const before = fake.requests.length;
      const refusals = [
        await errorOf(async () => (await resolve(closed, true)).doStream(plainCall)),
        await errorOf(async () => (await resolve(closed, false)).doStream(plainCall)),
      ].map((error) => describeModelError(error, { providerName: 'local' }));
      expect(refusals[0]).toEqual(refusals[1]);
      expect(refusals[0]?.message).toMatch(/not reachable from this server: 127\.0\.0\.1 is a loopback address/);
      expect(fake.requests.length).toBe(before);

      const marked = { ...plainCall, headers: gatedCallHeaders() };
      expect(await textOf(await resolve(opened, true), marked)).toBe('Hello from the fake model.');
      expect(fake.lastRequest().headers['authorization']).toBe('Bearer sk-tenant');
      expect(Object.keys(fake.lastRequest().headers)).not.toContain(gateMarkHeader);
      expect(sdkStreams).toHaveBeenCalledTimes(1);
    } finally {
      await Promise.all([closed.close(), opened.close()]);
    }
  });
});

describe('chat turns through the app', () => {
  async function plainChatTurn(env: Record<string, string>, model: string) {
    const t: TestApp = await buildTestApp(env);
    try {
      const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
      const agent = await createAgent(t.app, admin, { model });
      const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
      const sent = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, accept: 'application/json' },
        payload: { content: 'One plain turn' },
      });
      expect(sent.statusCode, sent.body).toBe(201);
      return { config: t.config, reply: sent.json<{ assistantMessage: { content: string; status: string } }>() };
    } finally {
      await t.close();
    }
  }

  it('take the lean path, through the gate, without the mark reaching the provider', async () => {
    const before = fake.requests.length;
    const { config, reply } = await plainChatTurn({ OPENAI_COMPATIBLE_BASE_URL: fake.baseUrl }, 'compatible:qwen3');
    expect(config.isLeanModelStreamOn).toBe(true);
    expect(reply.assistantMessage).toMatchObject({ content: 'Hello from the fake model.', status: 'complete' });
    expect(sdkStreams).not.toHaveBeenCalled();
    expect(fake.requests.length).toBeGreaterThan(before);
    for (const request of fake.requests.slice(before))
      expect(Object.keys(request.headers)).not.toContain(gateMarkHeader);
  }, 60_000);

  it.each(['off', '0'])(
    'go through the SDK again with MODEL_LEAN_STREAM=%s',
    async (setting) => {
      const env = { OPENAI_COMPATIBLE_BASE_URL: fake.baseUrl, MODEL_LEAN_STREAM: setting };
      const { config, reply } = await plainChatTurn(env, 'compatible:qwen3');
      expect(config.isLeanModelStreamOn).toBe(false);
      expect(reply.assistantMessage).toMatchObject({ content: 'Hello from the fake model.', status: 'complete' });
      expect(sdkStreams).toHaveBeenCalledTimes(1);
    },
    60_000,
  );

  describe("on the chat benchmark's mock LLM", () => {
    let mock: RunningMock;
    beforeAll(async () => {
      mock = await startMockLlm();
    });
    afterAll(() => mock.close());

    it('take the lean path, so bench:chat measures it', async () => {
      // As bench/chat/parley-instance.ts configures the server, and targets.ts names the agents' model.
      const profile = { tokens: 12, gapMs: 0, firstTokenMs: 0 };
      const env = { OPENAI_COMPATIBLE_BASE_URL: `${mock.url}/v1`, OPENAI_COMPATIBLE_NAME: benchProviderName };
      const { reply } = await plainChatTurn(env, `${benchProviderName}:${profileModelId(profile)}`);
      expect(reply.assistantMessage).toMatchObject({ content: replyTokens(12).join(''), status: 'complete' });
      expect(mock.stats.streamed).toBe(1);
      expect(sdkStreams).not.toHaveBeenCalled();
    }, 60_000);
  });
});
