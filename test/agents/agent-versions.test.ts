import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface AgentBody {
  id: string;
  instructions?: string;
  model: string;
  publishedVersion: number;
  draftVersion: number | null;
  knowledgeSourceIds: string[];
}

/**
 * Issue 67's versions, outside in: a draft saved beside the published settings changes nothing a
 * conversation gets (the system prompt sent to a provider, the version its reply records) until it is
 * published; an earlier version publishes again to roll back; PATCH publishes as it saves; diffs; who may.
 */
describe('agent versions', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  /** A second node on the same database: its copy of a conversation's agent goes stale on a publish. */
  let other: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherTenant: SignedInUser;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: ['Fine', '.'] });
    const env = { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-versions' };
    t = await buildTestApp(env);
    other = await buildTestApp(env, { sharedDatabase: t.database });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Versions');
    member = await createUser(t.app, admin);
    otherTenant = await createTenantWithAdmin(t.app, platformAdmin, 'Elsewhere');
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await openai?.close();
  });

  const call = (user: SignedInUser, method: Method, url: string, payload?: object, app = t) =>
    app.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const ok = async <T>(response: ReturnType<typeof call>, status = 200): Promise<T> => {
    const answer = await response;
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json<T>();
  };
  const newAgent = (instructions: string) =>
    ok<AgentBody>(
      call(admin, 'POST', '/v1/agents', { name: 'Versioned', instructions, model: 'openai:gpt-4o-mini' }),
      201,
    );
  /** A turn through `app`: the system prompt the provider got, and the version the reply records. */
  const turn = async (conversationId: string, app = t) => {
    const sent = await ok<{ assistantMessage: { agentVersion: number | null; content: string } }>(
      call(admin, 'POST', `/v1/conversations/${conversationId}/messages`, { content: 'Hello' }, app),
      201,
    );
    const messages = (openai.lastRequest().body as { messages: { role: string; content: string }[] }).messages;
    return {
      system: messages.find((message) => message.role === 'system')?.content ?? '',
      version: sent.assistantMessage.agentVersion,
    };
  };

  it('keeps conversations on the published version while a draft waits, and moves them when it is published', async () => {
    const agent = await newAgent('Answer as a librarian.');
    expect(agent).toMatchObject({ publishedVersion: 1, draftVersion: null });
    const conversation = await createConversation(t.app, admin, agent.id);
    expect(await turn(conversation.id)).toMatchObject({ version: 1 });
    expect((await turn(conversation.id)).system).toContain('Answer as a librarian.');

    const draft = await ok<{ number: number; state: string; changed: string[] }>(
      call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: 'Answer as a pirate.', note: 'Livelier' }),
    );
    expect(draft).toMatchObject({ number: 2, state: 'draft', changed: ['instructions'] });
    const waiting = await ok<AgentBody>(call(admin, 'GET', `/v1/agents/${agent.id}`));
    expect(waiting).toMatchObject({ instructions: 'Answer as a librarian.', publishedVersion: 1, draftVersion: 2 });
    const meanwhile = await turn(conversation.id);
    expect(meanwhile.system).toContain('Answer as a librarian.');
    expect(meanwhile.system).not.toContain('pirate');
    expect(meanwhile.version).toBe(1);

    const published = await ok<AgentBody>(call(admin, 'POST', `/v1/agents/${agent.id}/versions/2/publish`));
    expect(published).toMatchObject({ instructions: 'Answer as a pirate.', publishedVersion: 2, draftVersion: null });
    // The other node read this conversation's agent before the publish: its turn still gets version 2.
    const after = await turn(conversation.id, other);
    expect(after.system).toContain('Answer as a pirate.');
    expect(after.version).toBe(2);
    const { rows } = await t.database.executeSql(
      'select agent_version from usage_ledger where agent_id = $1 and path = $2 order by created_at',
      [agent.id, 'chat'],
    );
    expect((rows as { agent_version: number }[]).map((row) => row.agent_version)).toEqual([1, 1, 1, 2]);
  });

  it('rolls back by publishing an earlier version, and lists who saved what', async () => {
    const agent = await newAgent('First.');
    await ok(call(admin, 'PATCH', `/v1/agents/${agent.id}`, { instructions: 'Second.' }));
    // A rename is not a version: nothing about how the agent answers changed.
    const renamed = await ok<AgentBody>(call(admin, 'PATCH', `/v1/agents/${agent.id}`, { name: 'Renamed' }));
    expect(renamed.publishedVersion).toBe(2);
    const rolledBack = await ok<AgentBody>(call(admin, 'POST', `/v1/agents/${agent.id}/versions/1/publish`));
    expect(rolledBack).toMatchObject({ instructions: 'First.', publishedVersion: 1 });
    const conversation = await createConversation(t.app, admin, agent.id);
    expect(await turn(conversation.id)).toMatchObject({ version: 1, system: expect.stringContaining('First.') });

    const list = await ok<{ items: { number: number; state: string; createdBy: string; changed: string[] }[] }>(
      call(admin, 'GET', `/v1/agents/${agent.id}/versions`),
    );
    expect(list.items.map(({ number, state, changed }) => ({ number, state, changed }))).toEqual([
      { number: 2, state: 'earlier', changed: ['instructions'] },
      { number: 1, state: 'published', changed: expect.arrayContaining(['instructions', 'model']) },
    ]);
    expect(list.items.every((item) => item.createdBy === admin.userId)).toBe(true);
    const paged = await ok<{ items: { number: number }[]; nextBefore: number | null }>(
      call(admin, 'GET', `/v1/agents/${agent.id}/versions?limit=1`),
    );
    expect(paged).toMatchObject({ items: [{ number: 2 }], nextBefore: 2 });
    const rest = await ok<{ items: { number: number }[]; nextBefore: number | null }>(
      call(admin, 'GET', `/v1/agents/${agent.id}/versions?limit=1&before=2`),
    );
    expect(rest).toMatchObject({ items: [{ number: 1 }], nextBefore: null });
  });

  it('diffs two versions field by field: the instructions line by line, lists by what came and went', async () => {
    const source = await ok<{ id: string }>(call(admin, 'POST', '/v1/knowledge-sources', { name: 'Handbook' }), 201);
    const agent = await newAgent('Greet the customer.\nAnswer briefly.');
    await ok(
      call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, {
        instructions: 'Greet the customer.\nAnswer in detail.',
        knowledgeSourceIds: [source.id],
      }),
    );
    await ok(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { temperature: 0.2 }));
    const diff = await ok<{ from: number; to: number; changes: Record<string, unknown>[] }>(
      call(admin, 'GET', `/v1/agents/${agent.id}/versions/3/diff`),
    );
    expect(diff).toMatchObject({ from: 1, to: 3 });
    expect(diff.changes).toEqual([
      {
        field: 'instructions',
        before: 'Greet the customer.\nAnswer briefly.',
        after: 'Greet the customer.\nAnswer in detail.',
        lines: [
          { kind: 'same', text: 'Greet the customer.' },
          { kind: 'removed', text: 'Answer briefly.' },
          { kind: 'added', text: 'Answer in detail.' },
        ],
      },
      { field: 'temperature', before: null, after: 0.2 },
      { field: 'knowledgeSourceIds', before: [], after: [source.id], added: [source.id], removed: [] },
    ]);
    const between = await ok<{ changes: { field: string }[] }>(
      call(admin, 'GET', `/v1/agents/${agent.id}/versions/3/diff?against=2`),
    );
    expect(between.changes.map((change) => change.field)).toEqual(['temperature']);
  });

  it('drops a draft, and answers every bad request with a sentence', async () => {
    const source = await ok<{ id: string }>(call(admin, 'POST', '/v1/knowledge-sources', { name: 'Doomed' }), 201);
    const agent = await newAgent('Be kind.');
    const refused = async (response: ReturnType<typeof call>, status: number, says: RegExp) => {
      const answer = await response;
      expect(answer.statusCode, answer.body).toBe(status);
      expect(answer.json<{ detail: string }>().detail).toMatch(says);
    };
    await refused(call(admin, 'GET', `/v1/agents/${agent.id}/draft`), 404, /Draft of agent/);
    await refused(
      call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { note: 'nothing else' }),
      400,
      /send at least one/,
    );
    await refused(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: 'Be kind.' }), 409, /unchanged/);
    await refused(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { model: 'nowhere:model' }), 400, /model/);
    await refused(call(admin, 'POST', `/v1/agents/${agent.id}/versions/9/publish`), 404, /Version/);

    await ok(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { knowledgeSourceIds: [source.id] }));
    expect((await call(admin, 'DELETE', `/v1/knowledge-sources/${source.id}`)).statusCode).toBe(204);
    await refused(call(admin, 'POST', `/v1/agents/${agent.id}/versions/2/publish`), 409, /deleted since/);
    expect((await call(admin, 'DELETE', `/v1/agents/${agent.id}/draft`)).statusCode).toBe(204);
    await refused(call(admin, 'DELETE', `/v1/agents/${agent.id}/draft`), 404, /Draft of agent/);
    const kept = await ok<{ items: { number: number; state: string }[] }>(
      call(admin, 'GET', `/v1/agents/${agent.id}/versions`),
    );
    expect(kept.items).toMatchObject([
      { number: 2, state: 'earlier' },
      { number: 1, state: 'published' },
    ]);
  });

  it("shows versions only to who may change the agent; another tenant's agent is not found", async () => {
    const agent = await newAgent('Secret instructions.');
    expect((await call(member, 'GET', `/v1/agents/${agent.id}/versions`)).statusCode).toBe(403);
    expect((await call(member, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: 'Mine now' })).statusCode).toBe(
      403,
    );
    expect((await call(member, 'POST', `/v1/agents/${agent.id}/versions/1/publish`)).statusCode).toBe(403);
    for (const url of ['versions', 'versions/1', 'versions/1/diff', 'draft'])
      expect((await call(otherTenant, 'GET', `/v1/agents/${agent.id}/${url}`)).statusCode).toBe(404);
    expect((await call(otherTenant, 'POST', `/v1/agents/${agent.id}/versions/1/publish`)).statusCode).toBe(404);
  });

  it('numbers versions saved at the same moment on two nodes one after another, 50 rounds', async () => {
    const agent = await newAgent('Round 0.');
    const failures: string[] = [];
    for (let round = 1; round <= 50; round += 1) {
      const [first, second] = await Promise.all([
        call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: `Round ${round}, first.` }),
        new Promise((resolve) => setTimeout(resolve, round % 4)).then(() =>
          round % 5 === 0
            ? call(admin, 'POST', `/v1/agents/${agent.id}/versions/1/publish`, undefined, other)
            : call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: `Round ${round}, second.` }, other),
        ),
      ]);
      if (first.statusCode !== 200 || second.statusCode !== 200)
        failures.push(`round ${round}: ${first.statusCode} ${second.statusCode} ${second.body}`);
    }
    expect(failures).toEqual([]);
    const { rows } = await t.database.executeSql(
      'select count(*)::int as n, count(distinct number)::int as distinct_numbers, max(number)::int as highest from agent_versions where agent_id = $1',
      [agent.id],
    );
    const [counts] = rows as { n: number; distinct_numbers: number; highest: number }[];
    // Version 1, two drafts in each of 40 rounds and one in each of the 10 with a publish: numbered 1..91.
    expect(counts).toEqual({ n: 91, distinct_numbers: 91, highest: 91 });
    const final = await ok<AgentBody>(call(admin, 'GET', `/v1/agents/${agent.id}`));
    expect(final.draftVersion).toBe(91);
  });
});
