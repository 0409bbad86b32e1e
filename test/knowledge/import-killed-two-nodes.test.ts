import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScaledOutNodes,
  isScaledOut,
  type ScaledOutNode,
  type ScaledOutNodes,
} from '../harness/scaled-out-nodes.js';
import { eventually } from '../harness/chat-setup.js';
import { filesBody, sendImportHalfway } from './import-requests.js';
import { nodeRequest } from '../harness/node-request.js';

interface ImportView {
  id: string;
  status: string;
  fileCount: number;
  addedCount: number;
  duplicateCount: number;
  errorMessage: string | null;
}

const files = Array.from({ length: 12 }, (_unused, index) => ({
  name: `handbook-${index}.md`,
  content: `# Chapter ${index}\n\nWhat chapter ${index} of the handbook says about topic${index}.\n`,
}));

/**
 * kill -9 of the node an import runs on, halfway through its files, on two real `parley serve` processes
 * on one PostgreSQL with one files volume. Before, the import stayed `running` for ever and the documents
 * it had added (queued for indexing a hundred at a time) stayed `pending` for ever. Now the other node's
 * sweep marks the import failed, saying to send it again, and indexes those documents; sending it again
 * adds the rest and skips what was added.
 */
describe.skipIf(!isScaledOut)('an import whose node is killed halfway', { timeout: 120_000 }, () => {
  let cluster: ScaledOutNodes | undefined;
  let nodeA: ScaledOutNode;
  let nodeB: string;
  let admin: Record<string, string> = {};

  const call = (node: string, method: string, url: string, body?: object) =>
    nodeRequest(node, method, url, admin, body);

  beforeAll(async () => {
    cluster = await createScaledOutNodes(
      'import-killed',
      { IMPORT_LEASE_STALE_MS: '2000', MAINTENANCE_SWEEP_INTERVAL_MS: '500' },
      { sharedFilesDir: path.join(mkdtempSync(path.join(tmpdir(), 'parley-import-killed-')), 'files') },
    );
    nodeB = (await cluster.start()).baseUrl;
    nodeA = await cluster.start();
    const registered = await call(nodeB, 'POST', '/v1/auth/register', {
      email: 'import-killed@example.test',
      password: 'a long password',
    });
    expect(registered.status, registered.text).toBe(201);
    admin = { authorization: `Bearer ${String(registered.body.accessToken)}` };
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('is marked failed by the other node, its documents indexed, and sending it again adds the rest', async () => {
    const source = await call(nodeB, 'POST', '/v1/knowledge-sources', { name: 'Handbook' });
    expect(source.status, source.text).toBe(201);
    const importsUrl = `/v1/knowledge-sources/${String(source.body.id)}/imports`;
    const latestImport = async () => ((await call(nodeB, 'GET', importsUrl)).body.items as ImportView[])[0];

    // The request's body stops after 7 files, the import running on node A; 6 are added.
    const body = filesBody(files);
    sendImportHalfway(`${nodeA.baseUrl}${importsUrl}`, admin, files, 7);
    await eventually(async () => (((await latestImport())?.fileCount ?? 0) >= 6 ? true : undefined), 20_000, 100);
    const exited = once(nodeA.child, 'exit');
    nodeA.child.kill('SIGKILL');
    await exited;

    const cut = await eventually(
      async () => {
        const latest = await latestImport();
        return latest?.status === 'failed' ? latest : undefined;
      },
      30_000,
      100,
    );
    expect(cut.errorMessage).toMatch(/server stopped during this import; send the same files again/);
    expect(cut.addedCount).toBeGreaterThanOrEqual(6);
    // The documents it added, never queued by node A, are indexed by node B.
    const documentsUrl = `/v1/knowledge-sources/${String(source.body.id)}/documents?limit=100`;
    const indexed = await eventually(
      async () => {
        const items = (await call(nodeB, 'GET', documentsUrl)).body.items as { status: string }[];
        return items.length === cut.addedCount && items.every((item) => item.status === 'ready') ? items : undefined;
      },
      30_000,
      100,
    );
    expect(indexed).toHaveLength(cut.addedCount);

    // Sent again, whole: what was added is skipped, the rest added and indexed.
    const again = await fetch(`${nodeB}${importsUrl}`, {
      method: 'POST',
      headers: { ...admin, ...body.headers },
      body: body.payload,
    });
    const repeated = (await again.json()) as ImportView;
    expect(again.status, JSON.stringify(repeated)).toBe(201);
    expect(repeated).toMatchObject({
      status: 'finished',
      fileCount: files.length,
      duplicateCount: cut.addedCount,
      addedCount: files.length - cut.addedCount,
    });
    const all = await eventually(
      async () => {
        const items = (await call(nodeB, 'GET', documentsUrl)).body.items as { status: string }[];
        return items.length === files.length && items.every((item) => item.status === 'ready') ? items : undefined;
      },
      30_000,
      100,
    );
    expect(all).toHaveLength(files.length);
  });
});
