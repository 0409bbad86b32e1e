import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messages } from '../../src/platform/db/schema/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, sseData, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';

const handbook = [
  '# Holidays',
  '',
  'Every employee gets 25 days of paid holiday per year. Unused holiday days expire at the end of March.',
  '',
  '# Expenses',
  '',
  'Travel expenses are refunded within 30 days of the trip. Receipts must be uploaded as PDF files.',
].join('\n');

/** Only in the other tenant's source: a question about it must never be answered from there. */
const otherTenantSecret = 'The quarterly zeppelin allowance is 900 euros per pilot.';

interface Citation {
  marker: number;
  sourceId: string;
  documentId: string;
  documentTitle: string;
  excerpt: string;
}

describe('chat answers from knowledge sources, with citations', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let sourceId: string;
  let documentId: string;
  let otherSourceId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-server-secret-0123456789' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin);

    sourceId = (await createSource(t.app, admin, { name: 'Handbook' })).id;
    const uploaded = await uploadAccepted(t.app, admin, sourceId, Buffer.from(handbook), { filename: 'handbook.md' });
    documentId = uploaded.id;
    otherSourceId = (await createSource(t.app, otherAdmin, { name: 'Aviation' })).id;
    const other = await uploadAccepted(t.app, otherAdmin, otherSourceId, Buffer.from(otherTenantSecret), {
      filename: 'zeppelins.txt',
    });
    expect((await waitForDocument(t.app, admin, sourceId, documentId)).status).toBe('ready');
    expect((await waitForDocument(t.app, otherAdmin, otherSourceId, other.id)).status).toBe('ready');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });
  beforeEach(() => openai.respondWith({}));

  const send = (user: SignedInUser, conversationId: string, content: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, ...headers },
      payload: { content },
    });
  const history = async (conversationId: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: admin.headers })
    ).json().items as Array<{ id: string; role: string; content: string; status: string; citations: Citation[] }>;
  const passagesFoundOf = async (messageId: string) =>
    (await t.database.db.select({ found: messages.passagesFound }).from(messages).where(eq(messages.id, messageId)))[0]!
      .found;
  const completionRequests = () => openai.requests.filter((request) => request.path.endsWith('/chat/completions'));
  const systemPromptOf = (body: unknown) =>
    (body as { messages: { role: string; content: string }[] }).messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n');

  it('the offline model answers from an uploaded document and the reply cites it', async () => {
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Leave' });

    const response = await send(admin, conversation.id, 'How many days of paid holiday does an employee get?');

    expect(response.statusCode, response.body).toBe(201);
    const reply = response.json().assistantMessage as { content: string; citations: Citation[] };
    expect(reply.content).toContain('Every employee gets 25 days of paid holiday per year [1].');
    expect(reply.citations).toEqual([
      expect.objectContaining({ marker: 1, sourceId, documentId, documentTitle: 'handbook.md' }),
    ]);
    expect(reply.citations[0]!.excerpt).toContain('25 days of paid holiday');
    const [question, stored] = await history(conversation.id);
    expect(question!.citations).toEqual([]);
    expect(stored!.citations).toEqual(reply.citations);
    // Analytics counts the search: how many passages it found (docs/analytics.md).
    expect(await passagesFoundOf(response.json().assistantMessage.id as string)).toBeGreaterThan(0);
  });

  it("says in the reply's citations, stored and shown again, what its search read instead of a misspelled word", async () => {
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Leave' });

    const response = await send(admin, conversation.id, 'How many days of paid holliday does an employee get?');

    expect(response.statusCode, response.body).toBe(201);
    const reply = response.json().assistantMessage as { citations: (Citation & { queryCorrections?: unknown })[] };
    expect(reply.citations.length).toBeGreaterThan(0);
    for (const citation of reply.citations) {
      expect(citation.queryCorrections).toEqual([{ from: 'holliday', to: 'holiday' }]);
    }
    const [, stored] = await history(conversation.id);
    expect(stored!.citations).toEqual(reply.citations);
  });

  it('gives OpenAI-compatible clients the passages its [n] markers cite, in message.context and the first chunk', async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Handbook bot',
      model: 'offline',
      knowledgeSourceIds: [sourceId],
    });
    const complete = (stream: boolean) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: admin.headers,
        payload: { model: agent.id, stream, messages: [{ role: 'user', content: 'How many days of paid holiday?' }] },
      });
    const passage = {
      marker: 1,
      title: 'handbook.md',
      content: expect.stringContaining('25 days of paid holiday'),
      document_id: documentId,
      source_id: sourceId,
      chunk_id: expect.any(String),
      page: null,
      heading_path: ['Holidays'],
    };

    const answered = await complete(false);
    expect(answered.statusCode, answered.body).toBe(200);
    const { message } = answered.json().choices[0];
    expect(message.content).toContain('[1]');
    expect(message.context.citations[0]).toEqual(passage);

    const streamed = await complete(true);
    const firstChunk = JSON.parse(sseData(streamed.body)[0]!);
    expect(firstChunk.choices[0].delta).toEqual({
      role: 'assistant',
      content: '',
      context: { citations: message.context.citations },
    });

    // An agent without sources has no context to give.
    const plain = await createAgent(t.app, admin, { name: 'No sources', model: 'offline' });
    const bare = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: admin.headers,
      payload: { model: plain.id, messages: [{ role: 'user', content: 'Hello' }] },
    });
    expect(bare.json().choices[0].message).not.toHaveProperty('context');
  });

  it('stores a reply whose citation excerpt is cut where an emoji sits (no half of it is left)', async () => {
    const opening = 'Rocketprobe is the topic. ';
    // The 600th UTF-16 unit is the emoji's first half.
    const text = `${opening}${'word '.repeat(200).slice(0, 598 - opening.length - 1)} 🚀 launched, and more text follows.`;
    const emojiSource = (await createSource(t.app, admin, { name: 'Emoji' })).id;
    const uploaded = await uploadAccepted(t.app, admin, emojiSource, Buffer.from(text), { filename: 'rocket.txt' });
    expect((await waitForDocument(t.app, admin, emojiSource, uploaded.id)).status).toBe('ready');
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [emojiSource] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Rocket' });

    const response = await send(admin, conversation.id, 'Tell me about rocketprobe');

    expect(response.statusCode, response.body).toBe(201);
    const [citation] = (response.json().assistantMessage as { citations: Citation[] }).citations;
    // Counted in code points, the whole emoji fits in the 600.
    expect(citation!.excerpt).toBe(`${text.slice(0, 598)}🚀…`);
  });

  it('the offline model says so when the sources hold nothing relevant', async () => {
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Zeppelins' });

    const response = await send(admin, conversation.id, 'What is the zeppelin allowance for pilots?');

    expect(response.statusCode, response.body).toBe(201);
    const reply = response.json().assistantMessage as { content: string; citations: Citation[] };
    expect(reply.content).toBe(
      `I couldn't find anything about "What is the zeppelin allowance for pilots?" in the knowledge sources.`,
    );
    expect(reply.citations).toEqual([]);
  });

  it('gives the passages to a provider model and streams and stores the citations it makes', async () => {
    openai.respondWith({ replyTokens: ['Twenty-five', ' days a year', ' [1].'] });
    const agent = await createAgent(t.app, admin, {
      model: 'openai:gpt-4o-mini',
      instructions: 'Be brief.',
      knowledgeSourceIds: [sourceId],
    });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Leave' });

    const response = await send(admin, conversation.id, 'How many days of paid holiday do I get?', {
      accept: 'text/event-stream',
    });

    expect(response.statusCode).toBe(200);
    const system = systemPromptOf(completionRequests().at(-1)!.body);
    expect(system.startsWith('Be brief.')).toBe(true);
    expect(system).toContain('cite it with its number in square brackets');
    expect(system).toMatch(/<passage id="1" document="handbook.md"[^>]*>\n[^<]*25 days of paid holiday/);
    const { parts, isDone } = uiMessageParts(response.body);
    expect(isDone).toBe(true);
    const types = parts.map((part) => part.type);
    const firstSource = types.indexOf('source-document');
    expect(firstSource).toBeGreaterThan(-1);
    expect(firstSource).toBeLessThan(types.indexOf('text-start'));
    expect(parts[firstSource]).toMatchObject({
      type: 'source-document',
      title: 'handbook.md',
      mediaType: 'text/plain',
      providerMetadata: { parley: { marker: 1, knowledgeSourceId: sourceId, documentId } },
    });
    const stored = (await history(conversation.id)).at(-1)!;
    expect(stored.content).toBe('Twenty-five days a year [1].');
    expect(stored.citations).toEqual([
      expect.objectContaining({ marker: 1, documentId, documentTitle: 'handbook.md' }),
    ]);
  });

  it('stores no citations for a reply that cites none', async () => {
    openai.respondWith({ replyTokens: ['I am not sure.'] });
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Leave' });

    const response = await send(admin, conversation.id, 'How are travel expenses refunded?');

    expect(response.statusCode, response.body).toBe(201);
    expect(systemPromptOf(completionRequests().at(-1)!.body)).toContain('Travel expenses are refunded');
    expect(response.json().assistantMessage.citations).toEqual([]);
  });

  it('leaves turns of agents without sources as they were: no passages, no source parts', async () => {
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', instructions: 'Be brief.' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Plain' });

    const response = await send(admin, conversation.id, 'How many days of paid holiday do I get?', {
      accept: 'text/event-stream',
    });

    expect(systemPromptOf(completionRequests().at(-1)!.body)).toBe('Be brief.');
    expect(uiMessageParts(response.body).parts.some((part) => part.type === 'source-document')).toBe(false);
    const [, stored] = await history(conversation.id);
    expect(await passagesFoundOf(stored!.id)).toBeNull();
  });

  it("never retrieves another tenant's passages, even for the words only they hold", async () => {
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Zeppelins' });

    await send(admin, conversation.id, 'What is the quarterly zeppelin allowance per pilot?');

    const system = systemPromptOf(completionRequests().at(-1)!.body);
    expect(system).toContain('<passages>');
    expect(system).not.toContain('zeppelin allowance');
    expect(system).not.toContain('zeppelins.txt');
  });

  it('fails the reply with a clear error when the sources cannot be searched, keeping the question', async () => {
    // The fake serves no embeddings, so embedding the question for this source fails.
    const unreachable = await createSource(t.app, admin, { embeddingModel: 'openai:text-embedding-3-small' });
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [unreachable.id] });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Broken' });

    const response = await send(admin, conversation.id, 'Anything about holidays?');

    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.json().detail).toMatch(/^The agent's knowledge sources could not be searched/);
    const [question, reply] = await history(conversation.id);
    expect(question).toMatchObject({ role: 'user', content: 'Anything about holidays?' });
    expect(reply).toMatchObject({ role: 'assistant', status: 'error' });
  });

  it('retrieves for the OpenAI-compatible API too', async () => {
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', knowledgeSourceIds: [sourceId] });

    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: admin.headers,
      payload: { model: agent.id, messages: [{ role: 'user', content: 'When are travel expenses refunded?' }] },
    });

    expect(response.statusCode, response.body).toBe(200);
    expect(systemPromptOf(completionRequests().at(-1)!.body)).toMatch(
      /<passage id="\d" document="handbook.md"[^>]*>\n[^<]*Travel expenses are refunded within 30 days/,
    );
  });

  describe('agents with knowledge sources', () => {
    const agentRequest = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: Record<string, unknown>) =>
      t.app.inject({ method, url, headers: admin.headers, ...(payload && { payload }) });

    it("shows, replaces and clears an agent's sources", async () => {
      const second = (await createSource(t.app, admin, { name: 'Second' })).id;
      const created = await agentRequest('POST', '/v1/agents', { name: 'Librarian', knowledgeSourceIds: [sourceId] });
      expect(created.statusCode, created.body).toBe(201);
      const agentId = created.json().id as string;
      expect(created.json().knowledgeSourceIds).toEqual([sourceId]);

      const replaced = await agentRequest('PATCH', `/v1/agents/${agentId}`, {
        knowledgeSourceIds: [second, sourceId, second],
      });
      expect(replaced.statusCode, replaced.body).toBe(200);
      expect(replaced.json().knowledgeSourceIds).toEqual([second, sourceId].sort());
      expect((await agentRequest('GET', `/v1/agents/${agentId}`)).json().knowledgeSourceIds).toEqual(
        [second, sourceId].sort(),
      );

      const renamed = await agentRequest('PATCH', `/v1/agents/${agentId}`, { name: 'Archivist' });
      expect(renamed.json().knowledgeSourceIds).toEqual([second, sourceId].sort());
      const cleared = await agentRequest('PATCH', `/v1/agents/${agentId}`, { knowledgeSourceIds: [] });
      expect(cleared.json().knowledgeSourceIds).toEqual([]);
    });

    it("refuses another tenant's source with a 404 and changes nothing", async () => {
      const created = await agentRequest('POST', '/v1/agents', { name: 'Thief', knowledgeSourceIds: [otherSourceId] });
      expect(created.statusCode).toBe(404);
      expect(created.json().detail).toBe(`Knowledge source '${otherSourceId}' was not found`);

      const agent = await createAgent(t.app, admin, { knowledgeSourceIds: [sourceId] });
      const patched = await agentRequest('PATCH', `/v1/agents/${agent.id}`, {
        name: 'Renamed',
        knowledgeSourceIds: [sourceId, otherSourceId],
      });
      expect(patched.statusCode).toBe(404);
      const unchanged = (await agentRequest('GET', `/v1/agents/${agent.id}`)).json();
      expect(unchanged).toMatchObject({ name: 'Assistant', knowledgeSourceIds: [sourceId] });
    });

    it('refuses more than 20 sources and ids that are not ids', async () => {
      const tooMany = Array.from(
        { length: 21 },
        (_, index) => `0190a000-0000-7000-8000-${String(index).padStart(12, '0')}`,
      );
      const response = await agentRequest('POST', '/v1/agents', { name: 'Greedy', knowledgeSourceIds: tooMany });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('at most 20 knowledge sources');
      const malformed = await agentRequest('POST', '/v1/agents', { name: 'Odd', knowledgeSourceIds: ['nope'] });
      expect(malformed.statusCode).toBe(400);
    });
  });
});
