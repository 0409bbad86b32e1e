import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { eventually } from '../harness/chat-setup.js';
import { testStorage, withAdminClient } from '../harness/test-database.js';
import { answerTo, isReplyFrame, openSocket } from '../realtime/realtime-client.js';
import { renderNodeManifest } from './kube-manifests.js';
import { buildParleyImage, freePort, hasPodman, podman, waitForOk } from './podman.js';

const tag = 'localhost/parley:test';
const adminUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
// Once per run (the embedded project), and only where PostgreSQL and Redis are there for the nodes.
const runs = hasPodman && testStorage === 'embedded' && Boolean(adminUrl && redisUrl);
// 40 tokens 100 ms apart: a reply of 4 s, long enough to kill its node inside it.
const tokens = Array.from({ length: 40 }, (_, index) => ` t${index}`);

/**
 * The scaled-out shape from deploy/kubernetes/parley.yaml, run by `podman kube play` as two nodes on the
 * host's PostgreSQL and Redis: a socket on node B watches a reply node A writes; node A's container is
 * killed mid-reply; B's watcher hears the reply marked interrupted, and B serves the next turn.
 */
describe.skipIf(!runs)('the Kubernetes manifests, two nodes under podman', { timeout: 300_000 }, () => {
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `parley_kube_${suffix}`;
  const files: string[] = [];
  let fake: FakeOpenAIServer;
  let nodeA: string;
  let nodeB: string;

  beforeAll(async () => {
    await buildParleyImage(tag);
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 100 });
    await withAdminClient(adminUrl!, (client) => client.query(`create database ${databaseName}`));
    const databaseUrl = new URL(adminUrl!);
    databaseUrl.pathname = `/${databaseName}`;

    // The Secret's keys as files, readable by the image's user (uid 10001).
    const secretsDir = mkdtempSync(path.join(tmpdir(), 'parley-kube-secrets-'));
    chmodSync(secretsDir, 0o755);
    writeFileSync(path.join(secretsDir, 'secret-key'), randomBytes(32).toString('hex'), { mode: 0o644 });
    writeFileSync(path.join(secretsDir, 'database-url'), databaseUrl.toString(), { mode: 0o644 });
    const outDir = mkdtempSync(path.join(tmpdir(), 'parley-kube-'));
    const env = {
      OPENAI_API_KEY: 'sk-kube',
      OPENAI_BASE_URL: fake.baseUrl,
      // A killed node's reply is marked within seconds, not production's 90 s + 60 s.
      MAINTENANCE_SWEEP_INTERVAL_MS: '500',
      REPLY_LEASE_STALE_MS: '3000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    };
    // One after the other: the first applies the migrations (the second would wait on their lock anyway).
    for (const name of [`parley-a-${suffix}`, `parley-b-${suffix}`]) {
      const port = await freePort();
      const file = renderNodeManifest({ name, image: tag, port, redisUrl: redisUrl!, secretsDir, env, outDir });
      files.push(file);
      await podman(['kube', 'play', file], 120_000);
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitForOk(`${baseUrl}/ready`, `${name}-pod-0-parley`, 120_000);
      if (name.startsWith('parley-a')) nodeA = baseUrl;
      else nodeB = baseUrl;
    }
  }, 1_500_000);
  afterAll(async () => {
    for (const file of files) await podman(['kube', 'down', file], 120_000).catch(() => undefined);
    await withAdminClient(adminUrl!, (client) => client.query(`drop database if exists ${databaseName}`)).catch(
      () => undefined,
    );
    await fake?.close();
  }, 180_000);

  it('survives the node writing a reply being killed: marked on the other node, the next turn served there', async () => {
    const json = { 'content-type': 'application/json' };
    const register = await fetch(`${nodeA}/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'kube@example.test', password: 'a long password' }),
    });
    expect(register.status).toBe(201);
    const { accessToken } = (await register.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };
    const post = async (base: string, url: string, body: object) =>
      fetch(`${base}${url}`, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify(body) });
    const agent = (await (await post(nodeA, '/v1/agents', { name: 'Slow', model: 'openai:gpt-4o-mini' })).json()) as {
      id: string;
    };
    const { id: conversationId } = (await (await post(nodeA, '/v1/conversations', { agentId: agent.id })).json()) as {
      id: string;
    };

    const watcher = await openSocket(nodeB, { headers: auth });
    watcher.send({ type: 'subscribe', id: 'watch', conversationId });
    expect((await answerTo(watcher, 'watch')).type).toBe('subscribed');
    const writer = await openSocket(nodeA, { headers: auth });
    writer.send({ type: 'send', id: 'send', conversationId, content: 'Count slowly', clientMessageId: 'kube-1' });
    const accepted = await answerTo(writer, 'send');
    expect(accepted.type, JSON.stringify(accepted)).toBe('accepted');
    const replyId = String(accepted.replyMessageId);
    await eventually(
      async () => (watcher.frames.filter((frame) => frame.type === 'text-delta').length >= 3 ? true : undefined),
      30_000,
    );

    await podman(['kill', '--signal=KILL', `parley-a-${suffix}-pod-0-parley`]);
    const final = await watcher.next((frame) => frame.type === 'error' && isReplyFrame(replyId)(frame));
    expect(final).toMatchObject({ code: interruptedReply.code, reply: { id: replyId, status: 'error' } });

    const next = await fetch(`${nodeB}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { ...json, ...auth, accept: 'application/json' },
      body: JSON.stringify({ content: 'Again, please' }),
    });
    expect(next.status).toBe(201);
    const history = await fetch(`${nodeB}/v1/conversations/${conversationId}/messages`, { headers: auth });
    const { items } = (await history.json()) as { items: { role: string; status: string; content: string }[] };
    expect(items.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(items[3]!.content).toBe(tokens.join(''));
    await watcher.close();
  });
});
