import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { createMaintenanceModule } from '../../src/modules/maintenance/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { register, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

describe('maintenance sweeps', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MODE: 'open' });
  });
  afterAll(() => t.close());

  it('marks a reply left streaming by a stopped server as failed, and leaves fresh ones alone', async () => {
    const session = await register(t.app, uniqueEmail('sweep'));
    const agent = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: session.headers,
      payload: { name: 'Sweeper', instructions: '', model: 'offline' },
    });
    const conversation = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: session.headers,
      payload: { agentId: agent.json().id },
    });
    const conversationId = conversation.json().id as string;
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: session.headers,
      payload: { content: 'hello' },
    });
    const replyId = sent.json().assistantMessage.id as string;
    // Simulate a node that died mid-stream 10 minutes ago.
    await t.database.executeSql(
      `update messages set status = 'streaming', completed_at = null, created_at = now() - interval '10 minutes' where id = $1`,
      [replyId],
    );

    const maintenance = createMaintenanceModule({
      db: t.database.db,
      logger: createLogger({ level: 'silent' }),
      modelTimeoutMs: 60_000,
    });
    const first = await maintenance.service.sweep();
    expect(first.abandonedReplies).toBe(1);

    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: session.headers,
    });
    const reply = history.json().items.find((message: { id: string }) => message.id === replyId);
    expect(reply).toMatchObject({ status: 'error', error: { message: interruptedReply.message } });

    const second = await maintenance.service.sweep();
    expect(second.abandonedReplies).toBe(0);
  });

  it('deletes refresh tokens long expired and idempotency keys older than a day', async () => {
    const session = await register(t.app, uniqueEmail('sweep-tokens'));
    await t.database.executeSql(`update refresh_tokens set expires_at = now() - interval '3 days' where user_id = $1`, [
      session.userId,
    ]);
    const maintenance = createMaintenanceModule({
      db: t.database.db,
      logger: createLogger({ level: 'silent' }),
      modelTimeoutMs: 60_000,
    });
    const result = await maintenance.service.sweep();
    expect(result.refreshTokens).toBeGreaterThanOrEqual(1);
    const { rows } = await t.database.executeSql('select count(*)::int as n from refresh_tokens where user_id = $1', [
      session.userId,
    ]);
    expect(rows[0]).toEqual({ n: 0 });
  });
});
