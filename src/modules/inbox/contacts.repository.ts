import { eq, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { contacts } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type StoredContact = typeof contacts.$inferSelect;
export type ContactChanges = Partial<
  Pick<StoredContact, 'name' | 'email' | 'phone' | 'externalId' | 'attributes' | 'lastSeenAt'>
>;

/** `term` as a LIKE prefix: its own % and _ match themselves. */
const likePrefix = (term: string): string => `${term.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;

/**
 * Each field's prefix match is written as its index is (contacts_tenant_*_search_idx), so the planner
 * can combine the four index scans rather than read every contact of the tenant.
 */
function matchesSearch(term: string) {
  const lowered = likePrefix(term.toLowerCase());
  const exact = likePrefix(term);
  return or(
    sql`lower(${contacts.name}) like ${lowered}`,
    sql`lower(${contacts.email}) like ${lowered}`,
    sql`${contacts.phone} like ${exact}`,
    sql`${contacts.externalId} like ${exact}`,
  );
}

export function createContactsRepository() {
  return {
    async listContacts(db: Executor, tenantId: string, search: string | undefined, page: PageRequest) {
      return db
        .select({ row: contacts, cursorAt: cursorTimestamp(contacts.createdAt) })
        .from(contacts)
        .where(
          inTenant(
            contacts,
            tenantId,
            search === undefined ? undefined : matchesSearch(search),
            afterCursor(contacts.createdAt, contacts.id, page.after),
          ),
        )
        .orderBy(...newestFirst(contacts.createdAt, contacts.id))
        .limit(page.limit + 1);
    },

    async findContact(db: Executor, tenantId: string, contactId: string): Promise<StoredContact | undefined> {
      const [row] = await db
        .select()
        .from(contacts)
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)))
        .limit(1);
      return row;
    },

    async insertContact(db: Executor, contact: typeof contacts.$inferInsert): Promise<StoredContact> {
      const [row] = await db.insert(contacts).values(contact).returning();
      return row!;
    },

    async updateContact(
      db: Executor,
      tenantId: string,
      contactId: string,
      changes: ContactChanges,
    ): Promise<StoredContact | undefined> {
      const [row] = await db
        .update(contacts)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)))
        .returning();
      return row;
    },
  };
}

export type ContactsRepository = ReturnType<typeof createContactsRepository>;
