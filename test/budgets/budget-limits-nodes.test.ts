import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { isScaledOut } from '../harness/scaled-out-nodes.js';
import { signIn, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { expectTokenBudgetSentence, readBudget, setBudget } from './budget-setup.js';

/**
 * Each node holds a tenant's budget limits for a few seconds (most tenants set none, and every model call
 * asks). A limit saved on one node must hold on the other at once, through the invalidation bus, not when
 * the other node's copy expires (after 5 s: each check below gives up after 2).
 */
describe.skipIf(!isScaledOut)('budget limits held by each node', () => {
  let nodeA: TestApp;
  let nodeB: TestApp;
  let adminOnA: SignedInUser;
  let adminOnB: SignedInUser;

  beforeAll(async () => {
    nodeA = await buildTestApp();
    nodeB = await buildTestApp({}, { sharedDatabase: nodeA.database });
    adminOnA = await registerPlatformAdmin(nodeA.app);
    adminOnB = await signIn(nodeB.app, adminOnA.email);
  }, 120_000);
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  const send = (node: TestApp, user: SignedInUser, conversationId: string) =>
    node.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content: 'Hello there' },
    });

  it("refuses on node B the call a budget saved on node A used up, though B held 'no budget' a moment before", async () => {
    const agent = await createAgent(nodeA.app, adminOnA, { model: 'offline' });
    const conversation = await createConversation(nodeA.app, adminOnA, agent.id);
    // Node B answers a turn: it now holds "this tenant has no budget".
    expect((await send(nodeB, adminOnB, conversation.id)).statusCode).toBe(201);
    const { usage } = await readBudget(nodeA.app, adminOnA);
    expect(usage.totalTokens).toBeGreaterThan(0);

    await setBudget(nodeA.app, adminOnA, { monthlyTokens: usage.totalTokens });
    const refused = await eventually(async () => {
      const answer = await send(nodeB, adminOnB, conversation.id);
      return answer.statusCode === 201 ? undefined : answer;
    }, 2_000);
    expect(refused.statusCode, refused.body).toBe(429);
    expectTokenBudgetSentence(refused.json().detail);

    // And lifted the same way.
    await setBudget(nodeA.app, adminOnA, { monthlyTokens: null });
    await eventually(async () => ((await send(nodeB, adminOnB, conversation.id)).statusCode === 201 || undefined), 2_000);
  });

  it("applies a daily cap saved on node A to node B's next message, and counts uncapped messages before it", async () => {
    const agent = await createAgent(nodeA.app, adminOnA, { model: 'offline' });
    const conversation = await createConversation(nodeA.app, adminOnA, agent.id);
    expect((await send(nodeB, adminOnB, conversation.id)).statusCode).toBe(201);
    // The count of an uncapped message is written beside the turn; the node's own read waits for it.
    await readBudget(nodeB.app, adminOnB);

    // Every message of the first test and this one was counted, though no cap asked for it.
    const set = await setBudget(nodeA.app, adminOnA, { dailyMessagesPerUser: 1 });
    expect(set.use.find((use) => use.budget === 'daily_messages')?.used).toBeGreaterThanOrEqual(3);
    await eventually(async () => ((await send(nodeB, adminOnB, conversation.id)).statusCode === 429 || undefined), 2_000);
  });
});
