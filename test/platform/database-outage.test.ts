import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * Takes the app's database away while the app keeps running, and returns how to clean up after.
 * Embedded: the PGlite instance is closed for good. PostgreSQL: the per-test database stops accepting
 * connections and its sessions are ended, so the pool cannot reconnect until it is allowed again.
 */
async function loseDatabase(t: TestApp): Promise<{ closeApp(): Promise<void> }> {
  if (testStorage === 'embedded') {
    await t.database.close();
    return {
      closeApp: async () => {
        // The job queue asks the database once more as it stops; the closed PGlite refuses, as expected here.
        await t.app.close().catch(() => undefined);
      },
    };
  }
  const { rows } = await t.database.executeSql('select current_database() as name');
  const { name } = rows[0] as { name: string };
  await asServerAdmin(async (client) => {
    await client.query(`alter database ${pg.escapeIdentifier(name)} allow_connections false`);
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
  });
  return {
    closeApp: async () => {
      await asServerAdmin((client) =>
        client.query(`alter database ${pg.escapeIdentifier(name)} allow_connections true`),
      );
      await t.close();
    },
  };
}

async function asServerAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('when the database stops answering', () => {
  let t: TestApp;
  let logs: LogCapture;
  let admin: SignedInUser;
  let outage: { closeApp(): Promise<void> };

  beforeAll(async () => {
    logs = captureLogs();
    t = await buildTestApp({ LOG_LEVEL: 'info' }, { logDestination: logs.destination });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.json()).toEqual({ status: 'ready', database: testStorage });
    outage = await loseDatabase(t);
  });
  afterAll(() => outage.closeApp());

  it('answers /ready with 503 and the reason', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'not_ready', reason: 'The database does not answer' });
  });

  it('keeps answering /health: the process itself is alive', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers an API request with 503, to try again, and logs the database error under its request id', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/agents',
      headers: { ...admin.headers, 'x-request-id': 'database-down-1' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: 'not_ready',
      detail: 'The database is not answering just now; try again in a moment',
      requestId: 'database-down-1',
    });

    const failure = logs.entries().find((entry) => entry.reqId === 'database-down-1' && entry.level >= 40);
    expect(failure).toMatchObject({ code: 'not_ready', cause: expect.any(String) });
    const cause = failure?.cause as string;
    expect(cause.length).toBeGreaterThan(0);
    // Whatever the driver said stays in the log and out of the response.
    expect(response.body).not.toContain(cause);
  });
});

/**
 * A database that hangs rather than refuses: here its migrations table is held by another session's
 * exclusive lock, so the probe's statement waits without end. PostgreSQL only: embedded storage has
 * one connection, the app's own.
 */
describe.skipIf(testStorage !== 'postgres')('when the database hangs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('answers /ready with 503 within its bound instead of waiting with the database', async () => {
    const { rows } = await t.database.executeSql('select current_database() as name');
    const { name } = rows[0] as { name: string };
    const url = new URL(process.env.TEST_DATABASE_URL ?? '');
    url.pathname = `/${name}`;
    const holder = new pg.Client({ connectionString: url.toString() });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table drizzle.__drizzle_migrations in access exclusive mode');
      const startedAt = Date.now();
      const response = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'not_ready', reason: 'The database does not answer' });
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  });
});
