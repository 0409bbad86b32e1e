import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAsBackgroundWork } from '../background-work.js';
import { isUniqueViolation } from '../errors.js';
import { startPgliteThread, type PgliteThreadClient } from './pglite-thread-client.js';

const timestamptz = 1184;

describe('embedded PGlite in its own thread', () => {
  let client: PgliteThreadClient;

  // One database for the file (a fresh one runs initdb, seconds); the last test closes it.
  beforeAll(async () => {
    client = await startPgliteThread({
      startParams: PGlite.defaultStartParams,
      setupSql: 'create table items (id int primary key, label text not null);',
    });
  });
  beforeEach(() => client.exec('truncate items'));
  afterAll(() => client.close());

  it('answers rows as objects or arrays, and reads the values of the types given parsers as text', async () => {
    const sql = `select 1::int as n, '2026-11-24 06:30:00+00'::timestamptz as at`;
    const objects = await client.query(sql);
    expect(objects.rows).toEqual([{ n: 1, at: new Date('2026-11-24T06:30:00Z') }]);

    const arrays = await client.query(sql, [], {
      rowMode: 'array',
      parsers: { [timestamptz]: (text: string) => `parsed ${text}` },
    });
    expect(arrays.rows).toEqual([[1, 'parsed 2026-11-24 06:30:00+00']]);
    expect(arrays.fields.map((field) => field.name)).toEqual(['n', 'at']);
  });

  it('answers dates, intervals and their arrays as PGlite itself does, or as text to a caller that gives parsers', async () => {
    const sql = `select '2026-11-24 06:30:00'::timestamp as ts, '2026-11-24 06:30:00+00'::timestamptz as tstz,
      '2026-11-24'::date as d, '1 day 02:00'::interval as iv, array['2026-11-24 06:30:00'::timestamp] as tss,
      array['2026-11-24 06:30:00+00'::timestamptz, null] as tstzs, array['2026-11-24'::date] as ds,
      array['1 hour'::interval] as ivs, array[1.5, 2]::numeric[] as nums, 42::int as n`;
    const keepText = Object.fromEntries(
      [1114, 1184, 1082, 1186, 1115, 1185, 1182, 1187, 1231].map((type) => [type, (text: string) => text]),
    );
    const direct = await PGlite.create();
    try {
      expect((await client.query(sql)).rows).toEqual((await direct.query(sql)).rows);
      const asText = await client.query(sql, [], { rowMode: 'array', parsers: keepText });
      expect(asText.rows).toEqual((await direct.query(sql, [], { rowMode: 'array', parsers: keepText })).rows);
      expect(asText.rows[0]).toContain('2026-11-24 06:30:00+00');
    } finally {
      await direct.close();
    }
  });

  it("keeps a database error's code and constraint across the thread", async () => {
    await client.query('insert into items values ($1, $2)', [1, 'one']);
    const error: unknown = await client.query('insert into items values ($1, $2)', [1, 'again']).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isUniqueViolation(error, 'items_pkey')).toBe(true);
    expect((error as Error).message).toContain('duplicate key');
  });

  it('commits a transaction whose callback succeeds and rolls back one that throws or rolls back', async () => {
    await client.transaction(async (tx) => {
      await tx.query(`insert into items values (1, 'kept')`);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query(`insert into items values (2, 'thrown away')`);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await client.transaction(async (tx) => {
      await tx.query(`insert into items values (3, 'rolled back')`);
      await tx.rollback();
    });

    const { rows } = await client.query<{ label: string }>('select label from items order by id');
    expect(rows.map((row) => row.label)).toEqual(['kept']);
  });

  it('runs a statement sent outside a transaction after that transaction, as one PGlite session does', async () => {
    let releaseTransaction!: () => void;
    const held = new Promise<void>((resolve) => (releaseTransaction = resolve));
    let insertedInside!: () => void;
    const inserted = new Promise<void>((resolve) => (insertedInside = resolve));
    const transaction = client.transaction(async (tx) => {
      await tx.query(`insert into items values (1, 'inside')`);
      insertedInside();
      await held;
    });
    await inserted;
    const outside = client.query<{ count: number }>('select count(*)::int as count from items');
    const first = await Promise.race([outside.then(() => 'outside'), delay(100).then(() => 'still waiting')]);
    releaseTransaction();
    await transaction;

    expect(first).toBe('still waiting');
    expect((await outside).rows).toEqual([{ count: 1 }]);
  });

  it("leaves the caller's event loop free while a long statement runs", async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const started = performance.now();
    try {
      await client.query('select count(*) from generate_series(1, 3000000)');
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = performance.now() - started;
    // On the caller's thread the statement ran without a break, and no timer fired until its end.
    expect(elapsedMs).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsedMs / 5 / 4));
  });

  it("lets a request's statement sent during a long one go before a background job's statement sent earlier", async () => {
    const finished: string[] = [];
    // Sent back to back, so that both arrive while the long one runs however busy the machine is (with
    // pauses between them, a test process held up longer than the long statement saw it finish first).
    const long = client.query('select count(*) from generate_series(1, 3000000)').then(() => finished.push('long'));
    const job = runAsBackgroundWork(() => client.query('select 1')).then(() => finished.push('job'));
    const request = client.query('select 2').then(() => finished.push('request'));
    await Promise.all([long, job, request]);

    // In arrival order PGlite would have run the job's statement second.
    expect(finished).toEqual(['long', 'request', 'job']);
  });

  it('refuses statements once closed, with a sentence that says so, and closes twice safely', async () => {
    await client.close();
    await expect(client.query('select 1')).rejects.toThrow('The embedded database is closed');
    await client.close();
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
