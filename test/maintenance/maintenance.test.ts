import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { createBudgetsRepository } from '../../src/modules/budgets/budgets.repository.js';
import { createMaintenanceModule } from '../../src/modules/maintenance/index.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { createDirectoryStorage } from '../../src/platform/storage/index.js';
import { register, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createSource, multipartBody, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';

describe('maintenance sweeps', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MODE: 'open' });
  });
  afterAll(() => t.close());

  /** A conversation with one complete offline turn; answers the reply's id and how to read it back. */
  async function repliedConversation(label: string) {
    const session = await register(t.app, uniqueEmail(label));
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
    const readReply = async () => {
      const history = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversationId}/messages`,
        headers: session.headers,
      });
      return history.json().items.find((message: { id: string }) => message.id === replyId);
    };
    return { replyId, readReply };
  }

  /** Puts the reply back to `streaming`, as a node writing it left it: started and last renewed so long ago. */
  const leaveStreaming = (replyId: string, startedAgo: string, renewedAgo: string | null) =>
    t.database.executeSql(
      `update messages set status = 'streaming', completed_at = null, created_at = now() - $2::interval,
        alive_at = ${renewedAgo === null ? 'null' : 'now() - $3::interval'} where id = $1`,
      renewedAgo === null ? [replyId, startedAgo] : [replyId, startedAgo, renewedAgo],
    );

  const sweeper = (options: { storedFileGraceMs?: number } = {}) =>
    createMaintenanceModule({
      db: t.database.db,
      logger: createLogger({ level: 'silent' }),
      modelTimeoutMs: 60_000,
      storage: createDirectoryStorage(t.config.filesDir),
      ...options,
    });

  it('marks a reply whose node stopped renewing its lease as failed, once, and leaves renewed ones alone', async () => {
    const dead = await repliedConversation('sweep-dead');
    const live = await repliedConversation('sweep-live');
    // Its node died two minutes ago, a minute after it began.
    await leaveStreaming(dead.replyId, '3 minutes', '2 minutes');
    // Retried or approved long after it was created, and renewed a moment ago: still being written.
    await leaveStreaming(live.replyId, '2 hours', '10 seconds');

    const maintenance = sweeper();
    expect((await maintenance.service.sweep()).abandonedReplies).toBe(1);
    expect(await dead.readReply()).toMatchObject({ status: 'error', error: { message: interruptedReply.message } });
    expect(await live.readReply()).toMatchObject({ status: 'streaming' });
    expect((await maintenance.service.sweep()).abandonedReplies).toBe(0);
  });

  it('judges a reply without a lease (written before leases) by its age against the model timeout', async () => {
    const old = await repliedConversation('sweep-old');
    const recent = await repliedConversation('sweep-recent');
    await leaveStreaming(old.replyId, '10 minutes', null);
    await leaveStreaming(recent.replyId, '30 seconds', null);

    expect((await sweeper().service.sweep()).abandonedReplies).toBe(1);
    expect(await old.readReply()).toMatchObject({ status: 'error' });
    expect(await recent.readReply()).toMatchObject({ status: 'streaming' });
  });

  it('gives back the budget reservations of calls that never settled, once expired, and keeps live ones', async () => {
    const session = await register(t.app, uniqueEmail('sweep-reservations'));
    const repository = createBudgetsRepository();
    const month = `${new Date().toISOString().slice(0, 7)}-01`;
    await repository.saveBudget(
      t.database.db,
      session.tenantId,
      { monthlyTokens: 10_000, monthlyCostMicros: null, dailyMessagesPerUser: null },
      new Date(),
    );
    const hold = (tokens: number, expiresAt: Date) =>
      repository.reserve(t.database.db, { tenantId: session.tenantId, month, tokens, costMicros: 0, expiresAt });
    // A node died while two calls ran: their reservations were never settled. A third call runs now.
    expect(await hold(4_000, new Date(Date.now() - 1_000))).toBeDefined();
    expect(await hold(5_000, new Date(Date.now() - 1_000))).toBeDefined();
    const live = await hold(900, new Date(Date.now() + 60_000));
    expect(live).toBeDefined();
    // What they hold refuses the next call: 9,900 of 10,000 held, and it would be the 100th token.
    expect(await hold(100, new Date(Date.now() + 60_000))).toBeDefined();
    expect(await hold(1, new Date(Date.now() + 60_000))).toBeUndefined();
    expect((await sweeper().service.sweep()).budgetReservations).toBeGreaterThanOrEqual(2);
    const { held } = await repository.findUsageAndHeld(t.database.db, session.tenantId, month);
    expect(held.tokens).toBe(1_000);
    // The live call settles: charged its use, its reservation given back; the budget admits again.
    await repository.settle(
      t.database.db,
      live!,
      { inputTokens: 300, outputTokens: 200, costMicros: 0 },
      {
        path: 'chat',
        userId: null,
        contactId: null,
        agentId: null,
        agentVersion: null,
        conversationId: null,
        provider: 'offline',
        modelRef: 'offline',
        costMicros: 0,
        latencyMs: 1,
        outcome: 'finished',
      },
    );
    const after = await repository.findUsageAndHeld(t.database.db, session.tenantId, month);
    expect(after.held.tokens).toBe(100);
    expect(after.usage.inputTokens + after.usage.outputTokens).toBe(500);
    expect(await hold(1, new Date(Date.now() + 60_000))).toBeDefined();
  });

  it('deletes refresh tokens long expired and idempotency keys older than a day', async () => {
    const session = await register(t.app, uniqueEmail('sweep-tokens'));
    await t.database.executeSql(`update refresh_tokens set expires_at = now() - interval '3 days' where user_id = $1`, [
      session.userId,
    ]);
    const result = await sweeper().service.sweep();
    expect(result.refreshTokens).toBeGreaterThanOrEqual(1);
    const { rows } = await t.database.executeSql('select count(*)::int as n from refresh_tokens where user_id = $1', [
      session.userId,
    ]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('removes stored files no row names any more (their user was deleted) and unfinished uploads, not the rest', async () => {
    const admin = await register(t.app, uniqueEmail('sweep-files-admin'));
    const upload = async (session: { headers: Record<string, string> }, text: string) => {
      const body = multipartBody(Buffer.from(text), { filename: 'note.txt' });
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/files',
        headers: { ...session.headers, ...body.headers },
        payload: body.payload,
      });
      expect(response.statusCode, response.body).toBe(201);
      const { rows } = await t.database.executeSql('select storage_key from files where id = $1', [response.json().id]);
      return createDirectoryStorage(t.config.filesDir).localPath((rows[0] as { storage_key: string }).storage_key);
    };
    const kept = await upload(admin, 'The admin keeps this one.');
    const leaving = await register(t.app, uniqueEmail('sweep-files-leaving'));
    const orphaned = await upload(leaving, 'This one goes with its user.');
    // The user row goes, and with it, by cascade, the file's row: nothing in the database names the file.
    await t.database.executeSql('delete from users where id = $1', [leaving.userId]);
    const unfinished = path.join(t.config.filesDir, '.incoming', `${newId()}.part`);
    await mkdir(path.dirname(unfinished), { recursive: true });
    await writeFile(unfinished, 'half an upload');
    expect([existsSync(kept), existsSync(orphaned), existsSync(unfinished)]).toEqual([true, true, true]);

    // Within the grace period nothing is taken: an upload may be between its file and its row.
    expect(await sweeper().service.sweepStoredFiles()).toEqual({ orphanedFiles: 0, unfinishedUploads: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const swept = await sweeper({ storedFileGraceMs: 0 }).service.sweepStoredFiles();

    expect(swept).toEqual({ orphanedFiles: 1, unfinishedUploads: 1 });
    expect([existsSync(kept), existsSync(orphaned), existsSync(unfinished)]).toEqual([true, false, false]);
  });

  it('counts the stored files rows name that are missing on disk, and says so once in the log', async () => {
    const admin = await register(t.app, uniqueEmail('missing-files'));
    const body = multipartBody(Buffer.from('An attachment restored without its bytes.'), { filename: 'gone.txt' });
    const attached = await t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...admin.headers, ...body.headers },
      payload: body.payload,
    });
    expect(attached.statusCode, attached.body).toBe(201);
    const sourceId = (await createSource(t.app, admin)).id;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from('A document restored without it.'), {
      filename: 'gone-too.txt',
    });
    const warnings: unknown[] = [];
    const checker = createMaintenanceModule({
      db: t.database.db,
      // The check's one line is what an operator gets: it is read here as the logger receives it.
      logger: { info: () => undefined, warn: (...args: unknown[]) => warnings.push(args) } as never,
      modelTimeoutMs: 60_000,
      storage: createDirectoryStorage(t.config.filesDir),
    });
    const before = await checker.service.reportMissingStoredFiles();
    expect(warnings).toHaveLength(before > 0 ? 1 : 0);

    const { rows } = await t.database.executeSql(
      `select storage_key as key from files where id = $1
       union all select storage_key from knowledge_documents where id = $2`,
      [attached.json().id, document.id],
    );
    const storage = createDirectoryStorage(t.config.filesDir);
    for (const { key } of rows as { key: string }[]) await rm(storage.localPath(key));

    warnings.length = 0;
    expect(await checker.service.reportMissingStoredFiles()).toBe(before + 2);
    expect(warnings).toEqual([
      [
        { missing: before + 2 },
        expect.stringContaining('stored files that the database names are missing from DATA_DIR/files'),
      ],
    ]);
  });

  it('keeps the file a knowledge document is being replaced in place of, which only that row names', async () => {
    const admin = await register(t.app, uniqueEmail('sweep-replaced'));
    const sourceId = (await createSource(t.app, admin)).id;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Searched until replaced.'), {
      filename: 'replaced.txt',
    });
    // Indexed first: a document's indexing, as it ends, lets go of the file it replaced.
    expect((await waitForDocument(t.app, admin, sourceId, document.id)).status).toBe('ready');
    const storage = createDirectoryStorage(t.config.filesDir);
    const replacedKey = newId();
    await mkdir(path.dirname(storage.localPath(replacedKey)), { recursive: true });
    await writeFile(storage.localPath(replacedKey), 'The file whose passages are searched meanwhile.');
    await t.database.executeSql('update knowledge_documents set replaced_storage_key = $2 where id = $1', [
      document.id,
      replacedKey,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 5));

    await sweeper({ storedFileGraceMs: 0 }).service.sweepStoredFiles();

    expect(existsSync(storage.localPath(replacedKey))).toBe(true);
  });
});
