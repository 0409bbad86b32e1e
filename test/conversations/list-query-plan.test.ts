import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/platform/ids.js';
import { conversations, tenants, users } from '../../src/platform/db/schema/index.js';
import {
  createConversationsRepository,
  type ConversationListFilter,
} from '../../src/modules/conversations/conversations.repository.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';
import { uniqueEmail } from '../harness/actors.js';

/** The conversation lists walk an index in order: no sort of the tenant's conversations, whatever its size. */
describe('conversation list query plan', () => {
  let database: TestDatabase;
  const tenantId = newId();
  const ownerId = newId();
  const repository = createConversationsRepository();

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    await db.insert(tenants).values({ id: tenantId, name: 'Plan' });
    // Twenty members with fifty conversations each, so one member's list is a small part of the tenant's.
    const ownerIds = [ownerId, ...Array.from({ length: 19 }, () => newId())];
    await db.insert(users).values(
      ownerIds.map((id) => ({
        id,
        tenantId,
        email: uniqueEmail('plan'),
        passwordHash: 'x',
        role: 'member' as const,
      })),
    );
    const now = Date.now();
    await db.insert(conversations).values(
      Array.from({ length: 1000 }, (_, index) => ({
        id: newId(),
        tenantId,
        ownerId: ownerIds[index % ownerIds.length]!,
        lastActivityAt: new Date(now - index * 1000),
      })),
    );
    await db.execute(sql`analyze conversations`);
  });
  afterAll(() => database.dispose());

  async function plan(filter: ConversationListFilter, after?: { createdAt: string; id: string }): Promise<string> {
    return database.db.transaction(async (tx) => {
      // The table is small, so make the planner show the plan it would choose for a big one.
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      // A sort still appears when no index gives the order; this only makes it the last resort.
      await tx.execute(sql`set local enable_sort = off`);
      const result = await tx.execute(sql`explain ${repository.list(tx, tenantId, filter, { limit: 20, after })}`);
      const rows = (result as { rows: Record<string, string>[] }).rows;
      return rows.map((row) => Object.values(row)[0]).join('\n');
    });
  }

  const base = { projectId: undefined, isArchived: false, titleContains: undefined };

  it("walks conversations_owner_activity_idx for a member's list, including after a cursor", async () => {
    const cursor = { createdAt: new Date().toISOString(), id: newId() };
    for (const text of [await plan({ ...base, ownerId }), await plan({ ...base, ownerId }, cursor)]) {
      expect(text).toContain('conversations_owner_activity_idx');
      expect(text).not.toMatch(/\bSort\b/);
    }
    // The cursor is where the index scan starts, not a filter over rows already read.
    expect(await plan({ ...base, ownerId }, cursor)).toMatch(/Index Cond: .*ROW\(last_activity_at, id\) </);
  });

  it("walks conversations_tenant_activity_idx for the whole tenant's list", async () => {
    const text = await plan({ ...base, ownerId: undefined });
    expect(text).toContain('conversations_tenant_activity_idx');
    expect(text).not.toMatch(/\bSort\b/);
  });
});
