import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/client.js';
import { testStorage } from '../harness/test-database.js';
import { migratedDataDir } from './data-dir-template.js';
import { runParley } from './run-parley.js';

const parley = (args: string[], env: Record<string, string>) =>
  runParley(args, { env: { LOG_LEVEL: 'warn', ...env }, timeoutMs: 400_000 });

/** `parley import <folder> --source <name>`, run as an operator would, on embedded storage. */
describe.skipIf(testStorage === 'postgres')('parley import', () => {
  it('adds a folder of documents to a source, indexes them, and adds nothing twice when run again', async () => {
    const dataDir = migratedDataDir('parley-import-');
    const env = { DATA_DIR: dataDir };
    const created = await parley(
      ['admin', 'create', '--email', 'ops@example.test', '--password', 'a long enough password', '--tenant', 'Ops'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    // The source is made directly in the database: the command needs one to exist, as it would on a server.
    const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    const [tenant] = (await database.executeSql("select id from tenants where name = 'Ops'")).rows as { id: string }[];
    await database.executeSql(
      `insert into knowledge_sources (id, tenant_id, name, embedding_model, embedding_dimensions, chunk_tokens, chunk_overlap_tokens)
       values (gen_random_uuid(), $1, 'Handbook', 'offline', 384, 512, 64)`,
      [tenant!.id],
    );
    await database.close();

    const folder = mkdtempSync(path.join(tmpdir(), 'parley-import-folder-'));
    mkdirSync(path.join(folder, 'guides', 'deep'), { recursive: true });
    writeFileSync(path.join(folder, 'readme.md'), '# Read me\n\nStart here.');
    writeFileSync(path.join(folder, 'guides', 'install.md'), '# Installing\n\nRun the installer.');
    writeFileSync(path.join(folder, 'guides', 'deep', 'upgrade.txt'), 'Upgrading keeps your settings.');
    writeFileSync(path.join(folder, 'guides', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    writeFileSync(path.join(folder, '.hidden.md'), 'not imported');

    const first = await parley(['import', folder, '--source', 'Handbook'], env);
    expect(first.code, first.stderr).toBe(0);
    // Not a terminal here: plain lines, then the summary and the wait for indexing.
    expect(first.stderr).toMatch(/^4 files: 3 added, 0 already there, 1 failed \(import [0-9a-f-]{36}, [\d.]+ s\)$/m);
    expect(first.stderr).toMatch(/outcome=failed/);
    expect(first.stderr).toMatch(/^indexed; [\d.]+ s in all$/m);

    const again = await parley(['import', folder, '--source', 'Handbook'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^4 files: 0 added, 3 already there, 1 failed/m);

    const check = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    const documents = (await check.executeSql('select path, status from knowledge_documents order by path')).rows as {
      path: string;
      status: string;
    }[];
    await check.close();
    expect(documents).toEqual([
      { path: 'guides/deep/upgrade.txt', status: 'ready' },
      { path: 'guides/install.md', status: 'ready' },
      { path: 'readme.md', status: 'ready' },
    ]);
  }, 1_500_000);

  it('says which source is missing, in one line', async () => {
    const dataDir = migratedDataDir('parley-import-');
    await parley(['admin', 'create', '--email', 'a@example.test', '--password', 'a long enough password'], {
      DATA_DIR: dataDir,
    });
    const result = await parley(['import', dataDir, '--source', 'Nowhere'], { DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "parley: The tenant 'Default' has no knowledge source named 'Nowhere'; create it first (console: Knowledge, New source)",
    );
  }, 900_000);
});
