import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../../platform/db/pagination.js';
import { contacts } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { rowsOf } from '../../../platform/db/raw-sql.js';

export type StoredContact = typeof contacts.$inferSelect;
export type ContactChanges = Partial<
  Pick<StoredContact, 'name' | 'email' | 'emailSource' | 'phone' | 'externalId' | 'attributes' | 'lastSeenAt'>
>;

/** `term` as a LIKE prefix: its own % and _ match themselves. */
const likePrefix = (term: string): string => `${term.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;

/**
 * Above this many prefix matches, the newest-first walk of contacts_tenant_created_idx finds a page sooner
 * than sorting the matches would; below it, the matches are cut to the page straight from the prefix indexes.
 */
const FEW_MATCHES = 400;

/** The four fields' prefix matches, each written as its index is (contacts_tenant_*_prefix_idx). */
function prefixMatches(term: string) {
  const lowered = likePrefix(term.toLowerCase());
  const exact = likePrefix(term);
  return [
    sql`lower(${contacts.name}) like ${lowered}`,
    sql`lower(${contacts.email}) like ${lowered}`,
    sql`${contacts.phone} like ${exact}`,
    sql`${contacts.externalId} like ${exact}`,
  ];
}

/**
 * The ids of the page's contacts (newest first) when the term matches at most FEW_MATCHES contacts; undefined
 * when it may match more. Each field is probed index-only, at most FEW_MATCHES + 1 entries, so a prefix
 * that few contacts share costs a few hundred index entries rather than a walk over thousands of rows.
 */
async function fewMatchesPage(db: Executor, tenantId: string, term: string, page: PageRequest) {
  const probes = prefixMatches(term).map(
    (match) =>
      sql`(select ${contacts.id} as id, ${contacts.createdAt} as created_at from ${contacts}
        where ${and(eq(contacts.tenantId, tenantId), match, afterCursor(contacts.createdAt, contacts.id, page.after))}
        limit ${FEW_MATCHES + 1})`,
  );
  // Over the cap, one row with a null id says so, and the sort of the matches is skipped.
  const result = await db.execute(sql`
    with hits as (${sql.join(probes, sql` union all `)}),
      probed as (select count(*) > ${FEW_MATCHES} as over from hits)
    select null::uuid as id from probed where over
    union all
    (select id from hits where not (select over from probed)
      group by id, created_at order by created_at desc, id desc limit ${page.limit + 1})`);
  const rows = rowsOf<{ id: string | null }>(result);
  if (rows.some((row) => row.id === null)) return undefined;
  return rows.map((row) => row.id!);
}

export function createContactsRepository() {
  return {
    async listContacts(db: Executor, tenantId: string, search: string | undefined, page: PageRequest) {
      const pageIds = search === undefined ? undefined : await fewMatchesPage(db, tenantId, search, page);
      if (pageIds?.length === 0) return [];
      const matching =
        search === undefined ? undefined : pageIds ? inArray(contacts.id, pageIds) : or(...prefixMatches(search));
      return db
        .select({ row: contacts, cursorAt: cursorTimestamp(contacts.createdAt) })
        .from(contacts)
        .where(inTenant(contacts, tenantId, matching, afterCursor(contacts.createdAt, contacts.id, page.after)))
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
