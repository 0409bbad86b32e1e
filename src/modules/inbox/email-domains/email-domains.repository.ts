import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { emailDomains, inboxes, tenants } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type StoredEmailDomain = typeof emailDomains.$inferSelect;

/** All SQL of the mail domains approved for tenants (who may give inboxes addresses where). */
export function createEmailDomainsRepository() {
  return {
    async tenantExists(db: Executor, tenantId: string): Promise<boolean> {
      const [row] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
      return row !== undefined;
    },

    async listOfTenant(db: Executor, tenantId: string): Promise<StoredEmailDomain[]> {
      return db.select().from(emailDomains).where(inTenant(emailDomains, tenantId)).orderBy(asc(emailDomains.domain));
    },

    async isDomainOf(db: Executor, tenantId: string, domain: string): Promise<boolean> {
      const [row] = await db
        .select({ domain: emailDomains.domain })
        .from(emailDomains)
        .where(inTenant(emailDomains, tenantId, eq(emailDomains.domain, domain)))
        .limit(1);
      return row !== undefined;
    },

    /**
     * Which of these domains another tenant holds. A read across tenants, by the platform admin's
     * request only: it answers "taken", never whose.
     */
    async takenElsewhere(db: Executor, tenantId: string, domains: readonly string[]): Promise<string[]> {
      if (domains.length === 0) return [];
      const rows = await db
        .select({ domain: emailDomains.domain })
        .from(emailDomains)
        .where(and(inArray(emailDomains.domain, [...domains]), ne(emailDomains.tenantId, tenantId)));
      return rows.map((row) => row.domain);
    },

    /** The tenant's email inboxes with an address at one of these domains: what removing them would strand. */
    async inboxesAt(db: Executor, tenantId: string, domains: readonly string[]) {
      if (domains.length === 0) return [];
      return db
        .select({ name: inboxes.name, emailAddress: inboxes.emailAddress })
        .from(inboxes)
        .where(
          inTenant(inboxes, tenantId, inArray(sql<string>`split_part(${inboxes.emailAddress}, '@', 2)`, [...domains])),
        )
        .orderBy(asc(inboxes.createdAt))
        .limit(10);
    },

    async insert(db: Executor, tenantId: string, domains: readonly string[], approvedBy: string): Promise<void> {
      if (domains.length === 0) return;
      await db.insert(emailDomains).values(domains.map((domain) => ({ domain, tenantId, approvedBy })));
    },

    async remove(db: Executor, tenantId: string, domains: readonly string[]): Promise<void> {
      if (domains.length === 0) return;
      await db.delete(emailDomains).where(inTenant(emailDomains, tenantId, inArray(emailDomains.domain, [...domains])));
    },
  };
}

export type EmailDomainsRepository = ReturnType<typeof createEmailDomainsRepository>;
