import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { withAdminClient } from '../harness/test-database.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';

/**
 * Two real `parley serve` processes on one PostgreSQL database, both running the proactive scheduler
 * every 200 ms, so their passes overlap all the time: each due conversation gets exactly one proactive
 * message, never two.
 */
const conversationCount = 12;

describe.skipIf(!isScaledOut)('proactive messages across two server processes', { timeout: 180_000 }, () => {
  let cluster: ScaledOutNodes | undefined;
  const nodes: string[] = [];
  let headers: Record<string, string>;

  const call = async (method: string, url: string, body?: object) => {
    const response = await fetch(`${nodes[0]}${url}`, {
      method,
      headers: { ...headers, ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${url}: ${await response.clone().text()}`).toBeLessThan(300);
    return response.json() as Promise<Record<string, unknown>>;
  };

  beforeAll(async () => {
    cluster = await createScaledOutNodes('proactive-nodes', { PROACTIVE_CHECK_INTERVAL_MS: '200' });
    nodes.push((await cluster.start()).baseUrl);
    nodes.push((await cluster.start()).baseUrl);
    const registered = await fetch(`${nodes[0]}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'proactive-nodes@example.test', password: 'a long password' }),
    });
    expect(registered.status).toBe(201);
    headers = { authorization: `Bearer ${((await registered.json()) as { accessToken: string }).accessToken}` };
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('sends exactly one proactive message per due conversation while both schedulers run', async () => {
    const agent = await call('POST', '/v1/agents', {
      name: 'Friend',
      model: 'offline',
      // Up to three unanswered: the cap is not what keeps a conversation at one message.
      companion: { proactive: true, proactiveIdleMinutes: 5, proactiveMaxUnanswered: 3 },
    });
    const ids: string[] = [];
    for (let index = 0; index < conversationCount; index += 1) {
      const conversation = await call('POST', '/v1/conversations', { agentId: agent.id });
      const id = conversation.id as string;
      const turn = await call('POST', `/v1/conversations/${id}/messages`, {
        content: `Topic number ${index}. Thoughts?`,
      });
      await call('POST', `/v1/conversations/${id}/read`, {
        upToMessageId: (turn.assistantMessage as { id: string }).id,
      });
      ids.push(id);
    }
    // Quiet for ten minutes (past the five of the agent): due at the next pass of either node.
    await withAdminClient(cluster!.databaseUrl, (client) =>
      client.query(`update conversations set last_activity_at = now() - interval '10 minutes' where id = any($1)`, [
        ids,
      ]),
    );
    const counts = async () =>
      withAdminClient(cluster!.databaseUrl, async (client) => {
        const { rows } = await client.query<{ conversation_id: string; n: number }>(
          `select conversation_id, count(*)::int as n from messages where proactive and conversation_id = any($1)
           group by conversation_id`,
          [ids],
        );
        return rows;
      });
    await eventually(async () => ((await counts()).length === conversationCount ? true : undefined), 60_000, 200);
    // Many more passes of both nodes (each every 200 ms): still one each.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const rows = await counts();
    expect(rows).toHaveLength(conversationCount);
    expect(rows.every((row) => row.n === 1)).toBe(true);
    const { rows: pending } = await withAdminClient(cluster!.databaseUrl, (client) =>
      client.query(`select count(*)::int as n from conversations where id = any($1) and proactive_claim is not null`, [
        ids,
      ]),
    );
    expect(pending[0]).toEqual({ n: 0 });
  });
});
