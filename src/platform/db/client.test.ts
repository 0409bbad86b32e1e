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
