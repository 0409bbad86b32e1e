import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Database, DatabaseHandle } from './client.js';
import { sessionSettings } from './session-settings.js';
import * as schema from './schema/index.js';

/** How long a pooled connection may sit unused before it is closed. */
const idleConnectionMs = 5 * 60_000;

export async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
  // A server that accepts the TCP connection and then never answers must not hold a request for ever.
  // An idle connection is kept for minutes, not pg's 10 s: a new one costs a turn its connection, its
  // session settings and every statement prepared again, which made a turn after 10 s of quiet take
  // 14 ms longer to its first token (issue 63, cold turns: bench/results/chat-2026-11-28-session49.md).
  const pool = new pg.Pool({
    ...withSessionOptions(url),
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: idleConnectionMs,
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // Nor may a checked-out one's: a connection PostgreSQL ends (a restart, pg_terminate_backend) between two
  // statements of a transaction, or of a session, emits 'error' on its client, which the pool listens to
  // only while the client is idle. Both nodes of the chaos run died of it. The statement that follows
  // fails with the client's error, and the pool drops the client when it comes back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzlePostgres({ client: pool, schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    executeSql: async (text, values) => {
      const result = await pool.query(text, values);
      return { rows: result.rows };
    },
    withOwnSession: async (work) => {
      const client = await pool.connect();
      try {
        const sessionDb = drizzlePostgres({ client, schema }) as unknown as Database;
        return await work({
          db: sessionDb,
          executeSql: async (text, values) => ({ rows: (await client.query(text, values)).rows }),
        });
      } finally {
        client.release();
      }
    },
    executeScript: async (text) => {
      // Without values node-postgres sends a simple query, which may hold several statements. On its own
      // client, so that a script failing after its BEGIN is rolled back before the connection is reused.
      const client = await pool.connect();
      try {
        await client.query(text);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The session settings as start-up options (`-c name=value`). Options the URL or PGOPTIONS already
 * give are kept in front: node-postgres would otherwise let the URL's replace ours, or ours PGOPTIONS.
 */
function withSessionOptions(url: string): { connectionString: string; options: string } {
  const own = Object.entries(sessionSettings).map(([name, value]) => `-c ${name}=${value}`);
  if (!URL.canParse(url)) return { connectionString: url, options: [process.env.PGOPTIONS, ...own].join(' ').trim() };
  const parsed = new URL(url);
  const options = [parsed.searchParams.get('options') ?? process.env.PGOPTIONS, ...own].join(' ').trim();
  if (parsed.searchParams.has('options')) parsed.searchParams.set('options', options);
  return { connectionString: parsed.searchParams.has('options') ? parsed.toString() : url, options };
}
