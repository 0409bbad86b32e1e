import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './client.js';

const megabytesIn = (directory: string): number =>
  readdirSync(directory).reduce((total, name) => total + statSync(path.join(directory, name)).size, 0) / 2 ** 20;

describe('embedded database', () => {
  it("keeps 16 MB of shared buffers, not PostgreSQL's 128 MB, in its never-returned memory", async () => {
    const handle = await openDatabase({});
    try {
      const { rows } = await handle.executeSql('show shared_buffers');
      expect(rows).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await handle.close();
    }
  });
});

describe('embedded write-ahead log', () => {
  it('is cut back to 64 MB by a checkpoint, however much was written since the last one', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-wal-'));
    const handle = await openDatabase({ dataDir });
    try {
      await handle.executeSql('create table wal_probe (body text)');
      // About 150 MB of WAL, with no checkpoint in between: a single backend never starts one itself.
      for (let round = 0; round < 5; round += 1) {
        await handle.executeSql(
          'insert into wal_probe select repeat(md5(n::text), 30) from generate_series(1, 20000) as n',
        );
        await handle.executeSql('delete from wal_probe');
      }
      const written = megabytesIn(path.join(dataDir, 'pg_wal'));
      await handle.executeSql('checkpoint');
      expect(written).toBeGreaterThan(100);
      expect(megabytesIn(path.join(dataDir, 'pg_wal'))).toBeLessThanOrEqual(65);
    } finally {
      await handle.close();
    }
  }, 60_000);
});

describe('executeScript', () => {
  it('runs several statements in one call and leaves no transaction open when one of them fails', async () => {
    const handle = await openDatabase({});
    try {
      await handle.executeScript('create table script_probe (n int); insert into script_probe values (1), (2);');
      await expect(
        handle.executeScript('BEGIN; insert into script_probe values (3); select 1 / 0; COMMIT;'),
      ).rejects.toThrow('division by zero');

      const { rows } = await handle.executeSql('select count(*)::int as n from script_probe');
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await handle.close();
    }
  });
});
