import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { testStorage } from '../harness/test-database.js';
import { sendImportHalfway } from '../knowledge/import-requests.js';
import { migratedDataDir } from './data-dir-template.js';
import { spawnServe, waitForReady } from './server-process.js';

const files = Array.from({ length: 6 }, (_unused, index) => ({
  name: `notes-${index}.md`,
  content: `# Note ${index}\n\nWhat note ${index} says about subject${index}.\n`,
}));

/**
 * kill -9 of an embedded server halfway through an import. Its one process held the data directory, so
 * the next start knows at once that an import still running is the last run's: it is marked failed there
 * and then (not a lease later), and the documents it had added are indexed.
 */
describe.skipIf(testStorage === 'postgres')('an import cut by a killed embedded server', { timeout: 120_000 }, () => {
  it('is marked failed as the server starts again, and the documents it added are indexed', async () => {
    const dataDir = migratedDataDir('parley-import-killed-');
    const first = await spawnServe({ dataDir });
    let auth: Record<string, string> = {};
    let sourceId = '';
    try {
      await waitForReady(first.baseUrl, first.child);
      const session = (await (
        await fetch(`${first.baseUrl}/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'import-killed@example.test', password: 'a long password' }),
        })
      ).json()) as { accessToken: string };
      auth = { authorization: `Bearer ${session.accessToken}` };
      const source = (await (
        await fetch(`${first.baseUrl}/v1/knowledge-sources`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Notes' }),
        })
      ).json()) as { id: string };
      sourceId = source.id;
      sendImportHalfway(`${first.baseUrl}/v1/knowledge-sources/${sourceId}/imports`, auth, files, 4);
      await eventually(
        async () => {
          const list = await fetch(`${first.baseUrl}/v1/knowledge-sources/${sourceId}/imports`, { headers: auth });
          const [latest] = ((await list.json()) as { items: { fileCount: number }[] }).items;
          return (latest?.fileCount ?? 0) >= 3 ? true : undefined;
        },
        20_000,
        100,
      );
      const exited = once(first.child, 'exit');
      first.child.kill('SIGKILL');
      await exited;
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
    }

    // The default lease (90 s) is far off: what the next start does is not the sweep's doing.
    const second = await spawnServe({ dataDir });
    try {
      await waitForReady(second.baseUrl, second.child);
      const list = await fetch(`${second.baseUrl}/v1/knowledge-sources/${sourceId}/imports`, { headers: auth });
      const [latest] = (
        (await list.json()) as { items: { status: string; addedCount: number; errorMessage: string }[] }
      ).items;
      expect(latest).toMatchObject({ status: 'failed', addedCount: 3 });
      expect(latest!.errorMessage).toMatch(/server stopped during this import/);
      const documents = await eventually(
        async () => {
          const answer = await fetch(`${second.baseUrl}/v1/knowledge-sources/${sourceId}/documents`, {
            headers: auth,
          });
          const { items } = (await answer.json()) as { items: { status: string }[] };
          return items.length === 3 && items.every((item) => item.status === 'ready') ? items : undefined;
        },
        30_000,
        100,
      );
      expect(documents).toHaveLength(3);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
