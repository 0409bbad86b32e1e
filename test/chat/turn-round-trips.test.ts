import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { testStorage } from '../harness/test-database.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

interface SentStatement {
  readonly at: number;
  readonly text: string;
  /** Sent as a named prepared statement (PostgreSQL; embedded storage prepares every one by its text). */
  readonly isPrepared: boolean;
}

/**
 * Every statement the server sends its database, counted at the driver: on PostgreSQL each
 * `pg.Client#query` (a round trip), on embedded storage each request posted to the PGlite thread (a
 * statement, a transaction's begin or end). pg-boss's queue polls and the log readers' polls are the
 * server's timers, not the turn's, and are left out.
 */
function watchStatements(): { sent: SentStatement[]; stop(): void } {
  const sent: SentStatement[] = [];
  const isTimer = (text: string) => /pgboss\.|log_cursors/.test(text);
  const note = (text: string, isPrepared = true) => {
    if (!isTimer(text)) sent.push({ at: performance.now(), text: text.replace(/\s+/g, ' ').slice(0, 120), isPrepared });
  };
  if (testStorage === 'postgres') {
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first] = args;
      const query =
        typeof first === 'string' ? { text: first } : (first as { text?: string; name?: string } | undefined);
      note(String(query?.text ?? ''), Boolean(query?.name));
      return (original as (...rest: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    return { sent, stop: () => (pg.Client.prototype.query = original) };
  }
  const original = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
    const request = message as { kind?: string; sql?: string } | undefined;
    if (request?.kind === 'query' || request?.kind === 'exec') note(request.sql ?? '');
    else if (request?.kind === 'begin' || request?.kind === 'end') note(request.kind);
    return (original as (...args: unknown[]) => void).call(this, message, ...rest);
  } as typeof original;
  return { sent, stop: () => (Worker.prototype.postMessage = original) };
}

/**
 * Issue 63 counts a chat turn's round trips to the database, not its milliseconds: its goal is one
 * before the model (credentials, context, the user's message stored) and one after (the reply, its log
 * event, the ledger and counters, the summary check). These hold it on both engines: before, the sign-in,
 * the turn's checks against the node's copy of its context, the person's daily count and the turn stored
 * are one statement; after, the reply, the turn counted, its call's charge and the turns since the last
 * summary are one — so a statement added to the turn's path fails here.
 */
describe('the statements of a warm chat turn', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let conversationId: string;

  const send = (content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: admin.headers,
      payload: { content },
    });

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-test-round-trips' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const agent = await createAgent(t.app, admin, { name: 'Counted', model: 'openai:gpt-4o-mini' });
    conversationId = (await createConversation(t.app, admin, agent.id)).id;
    // Warm: the tenant's settings are cached and the statements prepared, as on any later turn.
    for (const content of ['first', 'second']) expect((await send(content)).statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it('sends one statement before the model and one after it', async () => {
    const watch = watchStatements();
    // What the earlier turns left behind (their title job, the ledger's charge) runs first.
    const deadline = performance.now() + 10_000;
    for (let seen = -1; seen !== watch.sent.length && performance.now() < deadline;) {
      seen = watch.sent.length;
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    watch.sent.length = 0;
    const startedAt = performance.now();
    let answered: Awaited<ReturnType<typeof send>>;
    try {
      answered = await send('the counted turn');
    } finally {
      watch.stop();
    }
    expect(answered.statusCode, answered.body).toBe(201);
    const modelAt = openai.lastRequest().receivedAt;
    expect(modelAt).toBeGreaterThan(startedAt);
    const before = watch.sent.filter((statement) => statement.at < modelAt);
    const after = watch.sent.filter((statement) => statement.at >= modelAt);
    const listed = (statements: SentStatement[]) => statements.map((statement) => statement.text).join('\n');
    expect(before.length, `before the model:\n${listed(before)}`).toBeGreaterThan(0);
    expect(before.length, `before the model:\n${listed(before)}`).toBeLessThanOrEqual(1);
    expect(after.length, `after the model:\n${listed(after)}`).toBeGreaterThan(0);
    expect(after.length, `after the model:\n${listed(after)}`).toBeLessThanOrEqual(1);
    // Every one of the turn's statements is prepared: PostgreSQL parses and plans it once per connection.
    const unprepared = [...before, ...after].filter((statement) => !statement.isPrepared);
    expect(unprepared, `not prepared:\n${listed(unprepared)}`).toEqual([]);
  });
});
