import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook } from '../webhooks/webhook-setup.js';
import { expectTokenBudgetSentence, useUpTokens } from '../budgets/budget-setup.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface ArmSummary {
  version: number;
  passRate: number;
  passed: number;
  checks: Record<string, { asked: number; passed: number }>;
  judge: { faithfulness: number | null; relevance: number | null } | null;
  inputTokens: number;
  handoffs: number;
  costMicros: number | null;
}
interface Run {
  id: string;
  status: string;
  progress: { done: number; total: number };
  summary: ArmSummary[];
  judgePrompt: string | null;
  arms: { version: number; model: string }[];
}
interface RunCase {
  index: number;
  messages: { role: string; content: string }[];
  answers: ({ answer: string; isPassed: boolean; isHandoff: boolean; citations: { documentId: string }[] } | null)[];
  isDifferent: boolean;
}

const faq = '# Returns\n\nParcels can be returned within 30 days of delivery, in their box.';
const judgeReply = '{"faithfulness": 5, "relevance": 4, "reason": "Supported by passage 1."}';

/**
 * Issue 67's evaluations, outside in over HTTP with a model that answers as a real one does (the
 * scripted OpenAI-compatible server decides from the instructions it is given): a draft whose
 * instructions change the answers shows the difference beside the published version; checks, the
 * judge, the ledger, the webhook, stopping, and the gate before publish.
 */
describe('evaluation runs', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let receiver: WebhookReceiver;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherTenant: SignedInUser;
  let platformAdmin: SignedInUser;
  let documentId: string;
  let sourceId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({
      answers: ({ system, user, toolNames }) => {
        if (system.includes('You grade one answer')) return { replyTokens: [judgeReply] };
        if (/person/i.test(user) && toolNames.includes('handoff_to_human')) {
          return {
            toolCalls: [{ id: 'call-1', name: 'handoff_to_human', arguments: '{"reason":"asked for a person"}' }],
          };
        }
        if (system.includes('Never cite')) return { replyTokens: ['Sorry, we cannot say.'] };
        if (/return/i.test(user)) {
          const detail = system.includes('Always say how many days') ? ' within 30 days' : '';
          return { replyTokens: ['Parcels can be returned', detail, ' [1].'] };
        }
        return { replyTokens: ['We ship to most countries.'] };
      },
    });
    // One case at a time, so that a stop lands between cases.
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-evaluations', OUTBOUND_ALLOW: '127.0.0.1' },
      { evaluations: { casesAtOnce: 1 } },
    );
    receiver = await startWebhookReceiver();
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Evaluating shop');
    member = await createUser(t.app, admin);
    otherTenant = await createTenantWithAdmin(t.app, platformAdmin, 'Elsewhere');
    sourceId = (await createSource(t.app, admin, { name: 'FAQ' })).id;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from(faq), { filename: 'returns.md' });
    expect((await waitForDocument(t.app, admin, sourceId, document.id)).status).toBe('ready');
    documentId = document.id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await openai?.close();
  });

  const call = (user: SignedInUser, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const ok = async <T>(response: ReturnType<typeof call>, status = 200): Promise<T> => {
    const answer = await response;
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json<T>();
  };
  const finished = (runId: string) =>
    eventually(async () => {
      const run = await ok<Run>(call(admin, 'GET', `/v1/evaluation-runs/${runId}`));
      return run.status === 'queued' || run.status === 'running' ? undefined : run;
    }, 60_000);
  const newAgent = (model = 'openai:gpt-4o-mini') =>
    createAgent(t.app, admin, {
      name: 'Desk AI',
      model,
      instructions: 'Answer briefly.',
      knowledgeSourceIds: [sourceId],
    });
  const newSet = async (name: string) => {
    const set = await ok<{ id: string }>(call(admin, 'POST', '/v1/evaluation-sets', { name }), 201);
    await ok(
      call(admin, 'POST', `/v1/evaluation-sets/${set.id}/cases`, {
        question: 'How long do I have to return a parcel?',
        mustInclude: ['30 days'],
        expectedSources: [documentId],
      }),
      201,
    );
    await ok(
      call(admin, 'POST', `/v1/evaluation-sets/${set.id}/cases`, {
        question: 'Can I talk to a person?',
        expectHandoff: true,
      }),
      201,
    );
    const csv = 'question,expect_handoff,must_not_include\nDo you ship abroad?,no,sorry|cannot\n';
    const imported = await ok<{ imported: number; caseCount: number }>(
      call(admin, 'POST', `/v1/evaluation-sets/${set.id}/imports`, { format: 'csv', content: csv }),
    );
    expect(imported).toEqual({ imported: 1, caseCount: 3 });
    return set.id;
  };

  it('runs a draft beside the published version and shows where they differ', async () => {
    const agent = await newAgent();
    receiver.secret = (
      await createWebhook(t.app, admin, { url: receiver.url, eventTypes: ['evaluation.completed'] })
    ).secret;
    await ok(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: 'Always say how many days.' }));
    const setId = await newSet('Last week');

    const started = await ok<Run>(
      call(admin, 'POST', '/v1/evaluation-runs', {
        setId,
        agentId: agent.id,
        arms: [{ version: 'published' }, { version: 'draft' }],
        judgeModel: 'openai:gpt-4o-mini',
      }),
      201,
    );
    expect(started).toMatchObject({ status: 'queued', progress: { done: 0, total: 6 } });
    const run = await finished(started.id);
    expect(run.status).toBe('completed');
    expect(run.progress).toEqual({ done: 6, total: 6 });
    expect(run.arms.map((arm) => arm.version)).toEqual([1, 2]);
    const [published, draft] = run.summary;
    expect(published).toMatchObject({
      version: 1,
      passed: 2,
      checks: { words: { asked: 2, passed: 1 }, handoff: { asked: 2, passed: 2 } },
    });
    expect(draft).toMatchObject({
      version: 2,
      passed: 3,
      checks: { words: { asked: 2, passed: 2 }, citations: { asked: 1, passed: 1 } },
    });
    expect(published!.passRate).toBeCloseTo(2 / 3, 3);
    expect(draft!.judge).toEqual(expect.objectContaining({ faithfulness: 5, relevance: 4 }));
    expect(run.judgePrompt).toContain('faithfulness');

    const different = await ok<{ items: RunCase[] }>(
      call(admin, 'GET', `/v1/evaluation-runs/${run.id}/cases?onlyDifferent=true`),
    );
    expect(different.items.map((item) => item.messages.at(-1)?.content)).toEqual([
      'How long do I have to return a parcel?',
    ]);
    const [before, after] = different.items[0]!.answers;
    expect(before).toMatchObject({ answer: 'Parcels can be returned [1].', isPassed: false });
    expect(after).toMatchObject({ answer: 'Parcels can be returned within 30 days [1].', isPassed: true });
    expect(after!.citations.map((citation) => citation.documentId)).toEqual([documentId]);
    const all = await ok<{ items: RunCase[] }>(call(admin, 'GET', `/v1/evaluation-runs/${run.id}/cases`));
    expect(all.items.find((item) => item.index === 1)?.answers.map((answer) => answer?.isHandoff)).toEqual([
      true,
      true,
    ]);

    // Every answer and every judgement went through the ledger as `evaluation`, under its version.
    const { rows } = await t.database.executeSql(
      'select agent_version as "version", count(*)::int as "calls" from usage_ledger where agent_id = $1 and path = $2 group by agent_version order by agent_version nulls last',
      [agent.id, 'evaluation'],
    );
    expect(rows).toEqual([
      { version: 1, calls: 3 },
      { version: 2, calls: 3 },
      // The judge answers as no version: six judgements, one per answer.
      { version: null, calls: 6 },
    ]);
    const delivered = await eventually(
      async () => receiver.received.find((received) => received.payload?.type === 'evaluation.completed'),
      30_000,
    );
    expect(delivered.isVerified).toBe(true);
    expect(delivered.payload?.data).toMatchObject({ run: { id: run.id, status: 'completed' } });
    // Analytics groups the agent's spend by version: each version's evaluation calls apart from its use.
    const conversation = await createConversation(t.app, admin, agent.id);
    await ok(
      call(admin, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'Can parcels be returned?' }),
      201,
    );
    const overview = await ok<{
      totals: { spendByVersion: { version: number; calls: number; evaluationCalls: number }[] };
    }>(call(admin, 'GET', `/v1/analytics/overview?agentId=${agent.id}`));
    expect(
      overview.totals.spendByVersion.map(({ version, calls, evaluationCalls }) => ({
        version,
        calls,
        evaluationCalls,
      })),
    ).toEqual([
      { version: 2, calls: 3, evaluationCalls: 3 },
      // The turn's reply, and its title (written by the same version's model).
      { version: 1, calls: expect.any(Number) as number, evaluationCalls: 3 },
    ]);
    expect(overview.totals.spendByVersion[1]!.calls).toBeGreaterThan(3);
    // The draft changed nothing a conversation gets.
    const agentNow = await ok<{ publishedVersion: number; draftVersion: number }>(
      call(admin, 'GET', `/v1/agents/${agent.id}`),
    );
    expect(agentNow).toMatchObject({ publishedVersion: 1, draftVersion: 2 });
  });

  it('runs on the built-in offline model: it cites what it found, and hands over what it did not', async () => {
    const agent = await newAgent('offline');
    const setId = (await ok<{ id: string }>(call(admin, 'POST', '/v1/evaluation-sets', { name: 'Offline' }), 201)).id;
    const jsonl = [
      { question: 'How long can parcels be returned?', expectedSources: ['returns.md'], expectHandoff: false },
      { question: 'Do you sell gift vouchers for zeppelins?', expectHandoff: true },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    await ok(call(admin, 'POST', `/v1/evaluation-sets/${setId}/imports`, { format: 'jsonl', content: jsonl }));
    const started = await ok<Run>(
      call(admin, 'POST', '/v1/evaluation-runs', { setId, agentId: agent.id, arms: [{}] }),
      201,
    );
    const run = await finished(started.id);
    expect(run).toMatchObject({ status: 'completed', arms: [{ model: 'offline' }] });
    expect(run.summary[0]).toMatchObject({ passed: 2, handoffs: 1, costMicros: 0 });
    const cases = await ok<{ items: RunCase[] }>(call(admin, 'GET', `/v1/evaluation-runs/${run.id}/cases`));
    expect(cases.items[0]!.answers[0]!.citations.map((citation) => citation.documentId)).toEqual([documentId]);
  });

  it('asks the budget at each call: a run whose tenant used up its tokens fails, saying why', async () => {
    const tenant = await createTenantWithAdmin(t.app, platformAdmin, 'Budgeted shop');
    const agent = await createAgent(t.app, tenant, { name: 'Budgeted', model: 'openai:gpt-4o-mini' });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/evaluation-sets',
      headers: tenant.headers,
      payload: { name: 'Budgeted' },
    });
    const setId = created.json<{ id: string }>().id;
    const content = '{"question":"First?"}\n{"question":"Second?"}';
    const imported = await t.app.inject({
      method: 'POST',
      url: `/v1/evaluation-sets/${setId}/imports`,
      headers: tenant.headers,
      payload: { format: 'jsonl', content },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const startRun = async () => {
      const started = await t.app.inject({
        method: 'POST',
        url: '/v1/evaluation-runs',
        headers: tenant.headers,
        payload: { setId, agentId: agent.id, arms: [{}] },
      });
      expect(started.statusCode, started.body).toBe(201);
      const runId = started.json<Run>().id;
      return eventually(async () => {
        const run = (
          await t.app.inject({ method: 'GET', url: `/v1/evaluation-runs/${runId}`, headers: tenant.headers })
        ).json<Run & { error: string | null }>();
        return run.status === 'queued' || run.status === 'running' ? undefined : run;
      }, 60_000);
    };
    expect((await startRun()).status).toBe('completed');
    await useUpTokens(t.app, tenant);
    const refused = await startRun();
    expect(refused).toMatchObject({ status: 'failed', progress: { done: 0 } });
    expectTokenBudgetSentence(refused.error ?? '');
  });

  it('holds a publish behind the gate until a run shows the draft passes no fewer cases', async () => {
    const agent = await newAgent();
    const setId = await newSet('Gate');
    await ok(call(admin, 'PUT', `/v1/agents/${agent.id}/evaluation-gate`, { setId }));
    // A draft that stops answering: with no run yet it cannot go out.
    await ok(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: 'Never cite anything.' }));
    const unevaluated = await call(admin, 'POST', `/v1/agents/${agent.id}/versions/2/publish`);
    expect(unevaluated.statusCode).toBe(409);
    expect(unevaluated.json<{ detail: string }>().detail).toContain(
      "run the set 'Gate' with version 2 beside the published version 1",
    );
    const worse = await ok<Run>(
      call(admin, 'POST', '/v1/evaluation-runs', {
        setId,
        agentId: agent.id,
        arms: [{ version: 'published' }, { version: 2 }],
      }),
      201,
    );
    expect((await finished(worse.id)).summary.map((arm) => arm.passed)).toEqual([2, 1]);
    const lower = await call(admin, 'POST', `/v1/agents/${agent.id}/versions/2/publish`);
    expect(lower.statusCode).toBe(409);
    expect(lower.json<{ detail: string }>().detail).toContain('passed 33.3%');

    await ok(call(admin, 'PUT', `/v1/agents/${agent.id}/draft`, { instructions: 'Always say how many days.' }));
    const better = await ok<Run>(
      call(admin, 'POST', '/v1/evaluation-runs', {
        setId,
        agentId: agent.id,
        arms: [{ version: 3 }, { version: 'published' }],
      }),
      201,
    );
    expect((await finished(better.id)).summary.map((arm) => arm.passed)).toEqual([3, 2]);
    await ok(call(admin, 'POST', `/v1/agents/${agent.id}/versions/3/publish`));
    // Rolling back to a version customers had is not held.
    await ok(call(admin, 'POST', `/v1/agents/${agent.id}/versions/1/publish`));
  });

  it('saves a conversation as a case in one click, with what its reply cited', async () => {
    const agent = await newAgent();
    const setId = (await ok<{ id: string }>(call(admin, 'POST', '/v1/evaluation-sets', { name: 'From chats' }), 201))
      .id;
    const conversation = await createConversation(t.app, admin, agent.id);
    await ok(
      call(admin, 'POST', `/v1/conversations/${conversation.id}/messages`, { content: 'How do returns work?' }),
      201,
    );
    const saved = await ok<{
      messages: { role: string; content: string }[];
      expectedSources: string[];
      origin: string;
    }>(
      call(admin, 'POST', `/v1/evaluation-sets/${setId}/cases/from-conversation`, { conversationId: conversation.id }),
      201,
    );
    expect(saved).toMatchObject({
      messages: [{ role: 'user', content: 'How do returns work?' }],
      expectedSources: ['returns.md'],
      origin: 'conversation',
    });
    // Another member cannot read that conversation, so cannot save it either.
    const hidden = await call(member, 'POST', `/v1/evaluation-sets/${setId}/cases/from-conversation`, {
      conversationId: conversation.id,
    });
    expect(hidden.statusCode).toBe(404);
  });

  it('refuses a bad import whole, naming each line, and keeps runs to those who may change the agent', async () => {
    const setId = (await ok<{ id: string }>(call(admin, 'POST', '/v1/evaluation-sets', { name: 'Imports' }), 201)).id;
    const jsonl = '{"question":"Fine?"}\nnot json\n{"messages":[{"role":"assistant","content":"Hi"}]}\n';
    const refused = await call(admin, 'POST', `/v1/evaluation-sets/${setId}/imports`, {
      format: 'jsonl',
      content: jsonl,
    });
    expect(refused.statusCode).toBe(400);
    const problem = refused.json<{ detail: string; errors: { field: string }[] }>();
    expect(problem.detail).toContain('Nothing was imported: 2 problems');
    expect(problem.errors.map((field) => field.field)).toEqual(['line 2', 'line 3: messages']);
    const set = await ok<{ caseCount: number }>(call(admin, 'GET', `/v1/evaluation-sets/${setId}`));
    expect(set.caseCount).toBe(0);

    const agent = await newAgent();
    const noCases = await call(admin, 'POST', '/v1/evaluation-runs', { setId, agentId: agent.id, arms: [{}] });
    expect(noCases.statusCode).toBe(409);
    const byMember = await call(member, 'POST', '/v1/evaluation-runs', { setId, agentId: agent.id, arms: [{}] });
    expect([403, 404]).toContain(byMember.statusCode);
    const foreign = await call(otherTenant, 'GET', `/v1/evaluation-sets/${setId}`);
    expect(foreign.statusCode).toBe(404);
  });

  it('stops a run: what was answered stays, the rest is left', async () => {
    openai.respondWith({
      tokenDelayMs: 200,
      answers: ({ system }) => (system.includes('You grade') ? { replyTokens: [judgeReply] } : undefined),
    });
    try {
      const agent = await newAgent();
      const setId = await newSet('To stop');
      const run = await ok<Run>(
        call(admin, 'POST', '/v1/evaluation-runs', { setId, agentId: agent.id, arms: [{}] }),
        201,
      );
      await ok(call(admin, 'POST', `/v1/evaluation-runs/${run.id}/stop`));
      const stopped = await finished(run.id);
      expect(stopped.status).toBe('stopped');
      expect(stopped.progress.done).toBeLessThan(3);
    } finally {
      openai.respondWith({});
    }
  });
});
