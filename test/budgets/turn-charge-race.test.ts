import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { isScaledOut } from '../harness/scaled-out-nodes.js';
import { signIn, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { setBudget } from './budget-setup.js';

/**
 * A chat turn's model call is charged by the statement that stores its reply (issue 63: one statement
 * after the model), not by one of its own. Two turns of one tenant finishing a few ms apart on two nodes
 * each add their own call to the month: the counters stay the ledger summed, call for call, with a
 * reservation (a token budget: the settling form) and without one (the adding form).
 */
describe.skipIf(!isScaledOut)("two nodes' turns charged by their replies' statements", () => {
  let nodeA: TestApp;
  let nodeB: TestApp;
  let onA: SignedInUser;
  let onB: SignedInUser;
  const rounds = 50;

  beforeAll(async () => {
    nodeA = await buildTestApp();
    nodeB = await buildTestApp({}, { sharedDatabase: nodeA.database });
    onA = await registerPlatformAdmin(nodeA.app);
    onB = await signIn(nodeB.app, onA.email);
  }, 120_000);
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  const send = (node: TestApp, user: SignedInUser, conversationId: string, content: string) =>
    node.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });

  /** The month's counters and the ledger's rows of the chat path, summed, read together. */
  const books = async () => {
    const { rows } = await nodeA.database.executeSql(
      `select u.model_calls::int as calls, (u.input_tokens + u.output_tokens)::int as tokens,
              u.reserved_tokens::int as held,
              (select count(*)::int from usage_ledger l where l.tenant_id = u.tenant_id) as ledger_calls,
              (select coalesce(sum(l.input_tokens + l.output_tokens), 0)::int from usage_ledger l
                where l.tenant_id = u.tenant_id) as ledger_tokens,
              (select count(*)::int from usage_ledger l where l.tenant_id = u.tenant_id and l.path = 'chat') as turns
         from tenant_monthly_usage u where u.tenant_id = $1`,
      [onA.tenantId],
    );
    return rows[0] as {
      calls: number;
      tokens: number;
      held: number;
      ledger_calls: number;
      ledger_tokens: number;
      turns: number;
    };
  };

  for (const withBudget of [false, true]) {
    it(`${withBudget ? 'with a token budget (settled)' : 'without a budget (added)'}: ${rounds} rounds of two turns a few ms apart`, async () => {
      // Offline, named titles: no title call joins the turns' own.
      const agent = await createAgent(nodeA.app, onA, { model: 'offline' });
      const first = await createConversation(nodeA.app, onA, agent.id, { title: 'A' });
      const second = await createConversation(nodeA.app, onA, agent.id, { title: 'B' });
      if (withBudget) await setBudget(nodeA.app, onA, { monthlyTokens: 100_000_000 });
      const before = (await books()) ?? { turns: 0 };
      for (let round = 0; round < rounds; round += 1) {
        const onNodeA = send(nodeA, onA, first.id, `round ${round} on A`);
        await new Promise((resolve) => setTimeout(resolve, round % 5));
        const onNodeB = send(nodeB, onB, second.id, `round ${round} on B`);
        const answers = await Promise.all([onNodeA, onNodeB]);
        for (const answer of answers) expect(answer.statusCode, answer.body).toBe(201);
      }
      const after = await books();
      expect(after.turns - before.turns).toBe(2 * rounds);
      expect(after.calls).toBe(after.ledger_calls);
      expect(after.tokens).toBe(after.ledger_tokens);
      // Every reservation was given back by the statement that charged its call.
      expect(after.held).toBe(0);
      if (withBudget) await setBudget(nodeA.app, onA, { monthlyTokens: null });
    }, 180_000);
  }
});
