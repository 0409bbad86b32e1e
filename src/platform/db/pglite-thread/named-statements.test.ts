import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../errors.js';
import { createNamedStatements, type NamedStatements } from './named-statements.js';

describe('named statements on PGlite', () => {
  let db: PGlite;
  let named: NamedStatements;
  const capacity = 3;

  const preparedCount = async () =>
    (await db.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')).rows[0]!.n;

  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(`create table items (id int primary key, label text not null, tags text[], doc jsonb,
      at timestamptz, done boolean)`);
  });
  beforeEach(async () => {
    // One set of names per session, as in the thread: each test starts with none prepared.
    await db.exec('truncate items; deallocate all');
    named = createNamedStatements(db, capacity);
  });
  afterAll(() => db.close());

  it("answers as PGlite's own query() does, for each kind of parameter and both row modes", async () => {
    const insert = 'insert into items values ($1, $2, $3, $4, $5, $6)';
    const params = [1, 'one', ['a', 'b,c'], { nested: [1, 'x'] }, new Date('2026-11-24T06:30:00Z'), true];
    const inserted = await named.query(insert, params, 'object', false);
    expect(inserted.affectedRows).toBe(1);
    await db.query(insert, [2, 'two', null, null, null, false]);

    const select = 'select * from items where id = any($1::int[]) or label = $2 order by id';
    for (const rowMode of ['object', 'array'] as const) {
      const ours = await named.query(select, [[1, 2], 'none'], rowMode, false);
      const theirs = await db.query(select, [[1, 2], 'none'], { rowMode });
      expect(ours.rows).toEqual(theirs.rows);
      expect(ours.fields).toEqual(theirs.fields);
    }
    expect((await named.query(select, [[1], null], 'object', false)).rows).toEqual([
      {
        id: 1,
        label: 'one',
        tags: ['a', 'b,c'],
        doc: { nested: [1, 'x'] },
        at: new Date('2026-11-24T06:30:00Z'),
        done: true,
      },
    ]);
  });

  it('parses a statement once and answers every later run from it, past the point where plans turn generic', async () => {
    await db.exec(`insert into items (id, label) select n, 'item ' || n from generate_series(1, 20) n`);
    const sql = 'select label from items where id = $1';
    for (let id = 1; id <= 20; id++) {
      expect((await named.query(sql, [id], 'object', false)).rows).toEqual([{ label: `item ${id}` }]);
    }
    const { rows } = await db.query<{ name: string }>('select name from pg_prepared_statements');
    expect(rows).toHaveLength(1);
  });

  it('keeps at most its capacity of statements, closing the least recently used', async () => {
    const texts = [1, 2, 3, 4, 5].map((n) => `select $1::int + ${n} as sum`);
    for (const text of texts) await named.query(text, [10], 'object', false);
    // The last eviction's close goes out with the next batch.
    expect(await preparedCount()).toBeLessThanOrEqual(capacity + 1);
    expect((await named.query(texts[0]!, [10], 'object', false)).rows).toEqual([{ sum: 11 }]);
    expect(await preparedCount()).toBeLessThanOrEqual(capacity + 1);
    expect((await named.query(texts[4]!, [10], 'object', false)).rows).toEqual([{ sum: 15 }]);
  });

  it('still answers after a table changed under a statement, or every statement was deallocated', async () => {
    await db.query(`insert into items (id, label) values (1, 'one')`);
    const sql = 'select * from items where id = $1';
    await named.query(sql, [1], 'object', false);
    await db.exec('alter table items add column note text');
    try {
      expect((await named.query(sql, [1], 'object', false)).rows[0]).toMatchObject({ id: 1, note: null });
      await db.exec('deallocate all');
      expect((await named.query(sql, [1], 'object', false)).rows[0]).toMatchObject({ id: 1, label: 'one' });
    } finally {
      await db.exec('alter table items drop column note');
    }
  });

  it("keeps a database error's code and constraint, and the next statement runs cleanly", async () => {
    const insert = 'insert into items (id, label) values ($1, $2)';
    await named.query(insert, [1, 'one'], 'object', false);
    const error: unknown = await named.query(insert, [1, 'again'], 'object', false).catch((e) => e);
    expect(isUniqueViolation(error, 'items_pkey')).toBe(true);

    const syntax: unknown = await named.query('selec $1', [1], 'object', false).catch((e) => e);
    expect((syntax as { code?: string }).code).toBe('42601');
    expect((await named.query('select label from items where id = $1', [1], 'object', false)).rows).toEqual([
      { label: 'one' },
    ]);
  });

  it("runs inside PGlite's transaction, and a statement first parsed in a rolled-back one still serves", async () => {
    const insert = 'insert into items (id, label) values ($1, $2)';
    const count = 'select count(*)::int as n from items where id >= $1';
    await db
      .transaction(async () => {
        await named.query(insert, [1, 'one'], 'object', true);
        expect((await named.query(count, [0], 'object', true)).rows).toEqual([{ n: 1 }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect((await named.query(count, [0], 'object', false)).rows).toEqual([{ n: 0 }]);
    await named.query(insert, [2, 'two'], 'object', false);
    expect((await named.query(count, [0], 'object', false)).rows).toEqual([{ n: 1 }]);
  });
});
