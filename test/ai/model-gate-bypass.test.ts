import { join } from 'node:path';
import { generateText } from 'ai';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { createDirectHttp } from '../../src/platform/outbound/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { createServer } from '../mcp/mcp-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * A gate nothing goes around (issue 64, docs/architecture.md "The model gate and the usage ledger"). Each way a module outside
 * src/ai could reach a provider is written into a file under src/modules and linted with the repository's
 * own eslint.config.js (without type information, which these rules do not need): every one must fail.
 * What no linter sees, a request through the server-wide providers' pool made outside a metered call, is
 * refused at run time; so is a request to the provider's host without the gate's mark, whether a plain
 * global fetch or through the outbound door (a webhook's, an MCP server's, a document URL's), while a chat
 * turn through the gate, and a tenant's own provider at the same host, still reach the same fake provider.
 */
const repo = join(import.meta.dirname, '../..');
const gateRules = new Set([
  '@typescript-eslint/no-restricted-imports',
  'no-restricted-syntax',
  'no-restricted-globals',
  'no-restricted-properties',
]);

const bypasses: Record<string, string> = {
  'a static import of a provider package': `import { createOpenAI } from '@ai-sdk/openai';\nexport const provider = createOpenAI({});\n`,
  'a dynamic import': `export const load = async () => (await import('@ai-sdk/anthropic')).createAnthropic({});\n`,
  'a dynamic import by a computed name': `const name = 'openai';\nexport const load = () => import(\`@ai-sdk/\${name}\`);\n`,
  createRequire: `import { createRequire } from 'node:module';\nconst load = createRequire(import.meta.url);\nexport const provider: unknown = load('@ai-sdk/openai');\n`,
  'createRequire through the module namespace': `import * as nodeModule from 'node:module';\nexport const provider: unknown = nodeModule.createRequire(import.meta.url)('@ai-sdk/openai');\n`,
  'an installed but unlisted @ai-sdk package': `import { createDeepSeek } from '@ai-sdk/deepseek';\nexport const provider = createDeepSeek({});\n`,
  "a provider's own SDK": `import OpenAI from 'openai';\nexport const client = new OpenAI();\n`,
  "provider-utils' HTTP helpers": `import { postJsonToApi } from '@ai-sdk/provider-utils';\nexport const post = postJsonToApi;\n`,
  "the ai package's gateway": `import { gateway } from 'ai';\nexport const model = gateway('openai/gpt-4o');\n`,
  "a plain fetch to the provider's URL": `export const ask = () => fetch('http://127.0.0.1:11434/v1/chat/completions', { method: 'POST' });\n`,
  'globalThis.fetch': `export const ask = () => globalThis.fetch('https://api.openai.com/v1/chat/completions');\n`,
  "the gate's own scope": `import { gatedCallHeaders } from '../../platform/outbound/gated-call-scope.js';\nexport const mark = gatedCallHeaders;\n`,
};

describe('the model gate, against every way around it', () => {
  const eslint = new ESLint({ cwd: repo, overrideConfig: tseslint.configs.disableTypeChecked });
  const gateErrors = async (code: string, file: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(repo, file) });
    return result!.messages.filter((message) => message.ruleId !== null && gateRules.has(message.ruleId));
  };

  for (const [shape, code] of Object.entries(bypasses)) {
    it(`fails lint on ${shape} from a module`, async () => {
      expect(await gateErrors(code, 'src/modules/bypass/bypass.service.ts')).not.toEqual([]);
    });
  }

  it('lets src/ai load its providers, and a module use the gate’s model and the interfaces', async () => {
    const adapter = bypasses['a static import of a provider package']!;
    expect(await gateErrors(adapter, 'src/ai/providers/bypass-provider.ts')).toEqual([]);
    const moduleCode = [
      `import { generateText } from 'ai';`,
      `import { APICallError, type LanguageModelV3 } from '@ai-sdk/provider';`,
      `import type { FetchFunction } from '@ai-sdk/provider-utils';`,
      `export const ask = (model: LanguageModelV3, fetch: FetchFunction) => [generateText({ model, prompt: 'hi' }), APICallError, fetch];`,
      `export const label = (fileWith: (name: string) => string) => fileWith('openai');`,
    ].join('\n');
    expect(await gateErrors(moduleCode, 'src/modules/bypass/bypass.service.ts')).toEqual([]);
  });
});

describe("the server-wide providers' pool and host, outside the gate", () => {
  let t: TestApp;
  let provider: FakeOpenAIServer;
  let admin: SignedInUser;

  beforeAll(async () => {
    provider = await startFakeOpenAIServer({ replyTokens: ['Through', ' the', ' gate'] });
    // The operator lets tenants reach the machine's own servers (OUTBOUND_ALLOW), the provider's among them.
    t = await buildTestApp({ OPENAI_COMPATIBLE_BASE_URL: provider.baseUrl, OUTBOUND_ALLOW: '127.0.0.1' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  }, 120_000);

  it('refuses a raw model and a direct request, and a chat turn through the gate still answers', async () => {
    // Wired as app-modules.ts wires it: the registry over the pool, as a module handed the registry has it.
    const pool = createDirectHttp();
    try {
      const registry = createModelRegistry({ config: t.config, providerFetch: pool.fetch });
      const raw = await registry.resolve('compatible:fake-model', []);
      await expect(generateText({ model: raw, prompt: 'Around the gate', maxRetries: 0 })).rejects.toThrow(
        /did not come through the model gate/,
      );
      await expect(pool.fetch(`${provider.baseUrl}/chat/completions`, { method: 'POST', body: '{}' })).rejects.toThrow(
        /did not come through the model gate/,
      );
      expect(provider.requests).toHaveLength(0);
    } finally {
      await pool.close();
    }

    // A plain fetch to the provider's host, as a Request or not: refused while the app runs.
    await expect(fetch(`${provider.baseUrl}/chat/completions`, { method: 'POST', body: '{}' })).rejects.toThrow(
      /model provider 'compatible' .* did not come through the model gate/,
    );
    await expect(globalThis.fetch(new Request(`${provider.baseUrl}/models`))).rejects.toThrow(
      /did not come through the model gate/,
    );
    // Through the outbound door: a webhook there is refused when it is made, with a sentence.
    const webhook = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin.headers,
      payload: { url: `${provider.baseUrl}/chat/completions`, eventTypes: ['contact.created'] },
    });
    expect(webhook.statusCode, webhook.body).toBe(400);
    expect(webhook.body).toContain("is where this server's model provider 'compatible' is reached");
    // So is an MCP server there, reached when it is added.
    const mcp = await createServer(t.app, admin, {
      name: 'around',
      transport: 'streamable-http',
      url: `${provider.baseUrl}/mcp`,
    });
    expect(mcp.statusCode, mcp.body).toBe(400);
    expect(mcp.body).toContain("is where this server's model provider 'compatible' is reached");
    expect(provider.requests).toHaveLength(0);

    const agent = await createAgent(t.app, admin, { model: 'compatible:fake-model' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'Through the gate' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json<{ assistantMessage: { content: string } }>().assistantMessage.content).toBe('Through the gate');
    expect(provider.requests.length).toBeGreaterThan(0);
    // The gate's mark is taken off before the request leaves: a provider never learns it.
    for (const request of provider.requests) expect(Object.keys(request.headers)).not.toContain('x-parley-gated-call');
  });

  it("lets a tenant's own provider at the same host answer, its calls carrying the gate's mark", async () => {
    const added = await t.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: admin.headers,
      payload: {
        name: 'mine',
        kind: 'openai-compatible',
        baseUrl: provider.baseUrl,
        apiKey: 'sk-mine',
        models: ['m1'],
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    const agent = await createAgent(t.app, admin, { model: 'mine:m1' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Own key' });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'With my own key' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json<{ assistantMessage: { content: string } }>().assistantMessage.content).toBe('Through the gate');
    expect(provider.requests.at(-1)!.headers['authorization']).toBe('Bearer sk-mine');
    expect(Object.keys(provider.requests.at(-1)!.headers)).not.toContain('x-parley-gated-call');
  });
});
