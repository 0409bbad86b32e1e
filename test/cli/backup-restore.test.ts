import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testStorage } from '../harness/test-database.js';
import { migratedDataDir } from './data-dir-template.js';
import { runParley } from './run-parley.js';
import { spawnServe, waitForReady } from './server-process.js';

const credentials = { email: 'drill@example.test', password: 'a long enough password' };
const handbook =
  '# Holidays\n\nEvery employee has 25 days of paid holiday a year, taken in agreement with their team.\n';

interface Acknowledged {
  readonly conversationId: string;
  readonly content: string;
  /** When the server answered 2xx: the stream had started, so the message was stored. */
  readonly at: number;
}

/** A signed-in client of one server process. */
function clientOf(baseUrl: string, accessToken?: string) {
  const headers = (extra: Record<string, string> = {}) => ({
    ...(accessToken && { authorization: `Bearer ${accessToken}` }),
    ...extra,
  });
  return {
    async json<T>(method: string, url: string, body?: unknown): Promise<T> {
      const response = await fetch(`${baseUrl}${url}`, {
        method,
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    /** A multipart upload of text files under `field`. */
    async upload<T>(url: string, files: Record<string, string>): Promise<T> {
      const form = new FormData();
      for (const [name, text] of Object.entries(files)) form.append('file', new Blob([text]), name);
      const response = await fetch(`${baseUrl}${url}`, { method: 'POST', headers: headers(), body: form });
      if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    /** Sends a chat message as a stream; `onAcknowledged` runs when the server answers 2xx. Reads it to its end. */
    async chat(conversationId: string, content: string, onAcknowledged: () => void): Promise<string> {
      const response = await fetch(`${baseUrl}/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
        body: JSON.stringify({ content }),
      });
      if (!response.ok) throw new Error(`chat: ${response.status} ${await response.text()}`);
      onAcknowledged();
      return response.text();
    },
  };
}

type Client = ReturnType<typeof clientOf>;

async function signedIn(baseUrl: string, route: 'register' | 'login'): Promise<Client> {
  const session = await clientOf(baseUrl).json<{ accessToken: string }>('POST', `/v1/auth/${route}`, credentials);
  return clientOf(baseUrl, session.accessToken);
}

/** Every message of a conversation, older pages first. */
async function allMessages(client: Client, conversationId: string) {
  type Page = { items: { role: string; content: string; status: string }[]; olderCursor: string | null };
  const messages: Page['items'] = [];
  let before: string | null = null;
  do {
    const page: Page = await client.json<Page>(
      'GET',
      `/v1/conversations/${conversationId}/messages?limit=100${before ? `&before=${before}` : ''}`,
    );
    messages.unshift(...page.items);
    before = page.olderCursor;
  } while (before);
  return messages;
}

async function waitUntil<T>(read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

// Real `parley` processes on embedded storage: the online backup is an embedded-storage feature.
describe.skipIf(testStorage === 'postgres')('parley backup and restore', { timeout: 120_000 }, () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('restores, from a backup made under load, every message acknowledged before it began; the copy answers chats and knowledge queries', async () => {
    const dataDir = migratedDataDir('parley-backup-');
    const original = await spawnServe({ dataDir });
    children.push(original.child);
    await waitForReady(original.baseUrl, original.child);
    const client = await signedIn(original.baseUrl, 'register');
    const [agent] = (await client.json<{ items: { id: string }[] }>('GET', '/v1/agents')).items;
    const source = await client.json<{ id: string }>('POST', '/v1/knowledge-sources', { name: 'Handbook' });
    const documents = `/v1/knowledge-sources/${source.id}/documents`;
    await client.upload(documents, { 'holidays.md': handbook });
    await waitUntil(
      () => client.json<{ items: { status: string }[] }>('GET', documents),
      (page) => page.items.every((document) => document.status === 'ready'),
      20_000,
    );

    // Load: three people chatting (replies streamed by the offline model) and an import being indexed.
    const acknowledged: Acknowledged[] = [];
    let isLoadOver = false;
    const chatter = async (person: number) => {
      const conversation = await client.json<{ id: string }>('POST', '/v1/conversations', { agentId: agent!.id });
      for (let turn = 0; !isLoadOver; turn++) {
        const content = `drill person ${person} turn ${turn}: what is the holiday policy?`;
        await client.chat(conversation.id, content, () =>
          acknowledged.push({ conversationId: conversation.id, content, at: Date.now() }),
        );
        // A person's pause between messages: the server stays busy without being saturated.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const chatters = [0, 1, 2].map(chatter);
    const chapters = Object.fromEntries(
      Array.from({ length: 12 }, (_, index) => [
        `chapter-${index}.md`,
        `# Chapter ${index}\n\n${Array.from({ length: 600 }, (_, line) => `Rule ${index}.${line}: expenses of kind ${line % 37} are approved by team ${line % 11}.`).join('\n')}\n`,
      ]),
    );
    await client.upload(`/v1/knowledge-sources/${source.id}/imports`, chapters);
    await waitUntil(
      async () => acknowledged.length,
      (count) => count >= 15,
      20_000,
    );

    const indexing = await client.json<{ items: { status: string }[] }>('GET', `${documents}?limit=100`);
    const backupFile = path.join(mkdtempSync(path.join(tmpdir(), 'parley-backup-file-')), 'drill.tgz');
    const backupStartedAt = Date.now();
    const backup = await runParley(['backup', backupFile], { env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
    const backupMs = Date.now() - backupStartedAt;
    isLoadOver = true;
    await Promise.all(chatters);
    await stop(original.child);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^parley: backed up the running server to .*drill\.tgz: the database as of /);
    // The import was still being indexed when the backup began: the snapshot caught it part-way.
    expect(indexing.items.some((document) => document.status !== 'ready')).toBe(true);
    const before = acknowledged.filter((message) => message.at < backupStartedAt);
    expect(before.length).toBeGreaterThanOrEqual(15);

    // Restored into an empty DATA_DIR that holds only the secret, as docs/operations.md says.
    const restoredDir = path.join(mkdtempSync(path.join(tmpdir(), 'parley-restored-')), 'data');
    mkdirSync(restoredDir, { mode: 0o700 });
    copyFileSync(path.join(dataDir, 'secret.key'), path.join(restoredDir, 'secret.key'));
    const restore = await runParley(['restore', backupFile], { env: { DATA_DIR: restoredDir, LOG_LEVEL: 'warn' } });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^parley: restored .* start it with parley serve$/m);

    const restored = await spawnServe({ dataDir: restoredDir });
    children.push(restored.child);
    await waitForReady(restored.baseUrl, restored.child);
    const again = await signedIn(restored.baseUrl, 'login');
    for (const conversationId of new Set(before.map((message) => message.conversationId))) {
      const messages = await allMessages(again, conversationId);
      const stored = messages.filter((message) => message.role === 'user').map((message) => message.content);
      const sent = before
        .filter((message) => message.conversationId === conversationId)
        .map((message) => message.content);
      expect(stored).toEqual(expect.arrayContaining(sent));
      // A reply the snapshot caught mid-stream is ended at start-up, not left streaming.
      expect(messages.filter((message) => message.status === 'streaming')).toEqual([]);
    }

    const conversation = await again.json<{ id: string }>('POST', '/v1/conversations', { agentId: agent!.id });
    const reply = await again.chat(conversation.id, 'How many days of paid holiday do I get?', () => undefined);
    expect(reply).toContain('"type":"finish"');
    const query = await again.json<{ results: { text?: string }[] }>(
      'POST',
      `/v1/knowledge-sources/${source.id}/query`,
      {
        query: 'paid holiday',
        topK: 3,
      },
    );
    expect(query.results.length).toBeGreaterThan(0);
    expect(JSON.stringify(query.results[0])).toContain('25 days of paid holiday');
    // The import the snapshot caught part-way goes on: its jobs, active in the copy, are run again.
    const documentsAfter = await waitUntil(
      () => again.json<{ items: { status: string }[] }>('GET', `${documents}?limit=100`),
      (page) => page.items.every((document) => document.status === 'ready'),
      30_000,
    );
    expect(documentsAfter.items.map((document) => document.status)).toEqual(Array.from({ length: 13 }, () => 'ready'));
    await stop(restored.child);
    console.log(
      `backup under load: ${backupMs} ms (${backup.stdout.trim()}); ${before.length} messages acknowledged before it, all restored`,
    );
  });
});
