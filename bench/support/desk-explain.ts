import { createContactsRepository } from '../../src/modules/inbox/contacts/contacts.repository.js';
import { createSupportRepository } from '../../src/modules/inbox/support/support.repository.js';
import type { BenchDatabase } from '../chat/bench-database.js';

export interface ExplainedDeskQuery {
  readonly label: string;
  readonly plan: string;
  /** The plan's own execution time, ms. */
  readonly executionMs: number;
}

type Recording = ReturnType<BenchDatabase['recordingDb']>;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the SQL the real repositories write for the timed requests: each runs
 * once on a recording Drizzle instance and every statement it sent is explained with its parameters.
 */
export async function explainDeskQueries(
  db: BenchDatabase,
  context: { tenantId: string; operatorId: string },
): Promise<ExplainedDeskQuery[]> {
  const support = createSupportRepository();
  const contacts = createContactsRepository();
  const { tenantId, operatorId } = context;
  const page = 20;
  const cases: { label: string; run: (rdb: Recording) => Promise<unknown> }[] = [
    {
      label: 'queue: mine',
      run: (rdb) => support.listQueue(rdb, tenantId, { assigneeId: operatorId, isUnresolvedOnly: true }, page),
    },
    {
      label: 'queue: unassigned',
      run: (rdb) => support.listQueue(rdb, tenantId, { assigneeId: null, isUnresolvedOnly: true }, page),
    },
    { label: 'queue: all', run: (rdb) => support.listQueue(rdb, tenantId, { isUnresolvedOnly: true }, page) },
    { label: 'queue: all, resolved', run: (rdb) => support.listQueue(rdb, tenantId, { status: 'resolved' }, page) },
    { label: 'tab counts', run: (rdb) => support.countQueue(rdb, tenantId, operatorId, {}) },
    {
      label: 'tab counts, resolved',
      run: (rdb) => support.countQueue(rdb, tenantId, operatorId, { status: 'resolved' }),
    },
    { label: 'search: name', run: (rdb) => contacts.listContacts(rdb, tenantId, 'mar', { limit: page }) },
    { label: 'search: one letter', run: (rdb) => contacts.listContacts(rdb, tenantId, 'm', { limit: page }) },
    { label: 'search: phone', run: (rdb) => contacts.listContacts(rdb, tenantId, '+49301', { limit: page }) },
    {
      label: 'search: external id (few match)',
      run: (rdb) => contacts.listContacts(rdb, tenantId, 'user-123', { limit: page }),
    },
    {
      label: 'search: email (few match)',
      run: (rdb) => contacts.listContacts(rdb, tenantId, 'maria.1', { limit: page }),
    },
  ];
  const explained: ExplainedDeskQuery[] = [];
  for (const entry of cases) {
    const captured: { sql: string; params: unknown[] }[] = [];
    await entry.run(db.recordingDb((sql, params) => captured.push({ sql, params })));
    for (const statement of captured) {
      const rows = await db.query(`explain (analyze, buffers, costs off) ${statement.sql}`, statement.params);
      const plan = rows.map((row) => String(Object.values(row)[0])).join('\n');
      const executionMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
      explained.push({ label: entry.label, plan, executionMs });
    }
  }
  return explained;
}
