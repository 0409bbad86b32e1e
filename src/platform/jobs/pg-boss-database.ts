import type PgBoss from 'pg-boss';
import type { DatabaseHandle } from '../db/client.js';

/**
 * pg-boss talks to the database through this adapter, so the queue shares the server's own connection
 * (PGlite or the node-postgres pool) instead of opening another. Its install, migration and maintenance
 * commands are `BEGIN; …; COMMIT;` scripts without parameters; they go through executeScript, because
 * PGlite runs a parameterised query as one prepared statement and refuses several.
 */
export function createPgBossDatabase(database: DatabaseHandle): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      if ((values === undefined || values.length === 0) && isTransactionScript(text)) {
        await database.executeScript(text);
        return { rows: [] };
      }
      return database.executeSql(text, values);
    },
  };
}

function isTransactionScript(text: string): boolean {
  return /^\s*BEGIN\s*;/i.test(text);
}
