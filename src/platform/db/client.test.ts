import { describe, expect, it } from 'vitest';
import { openDatabase } from './client.js';

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
