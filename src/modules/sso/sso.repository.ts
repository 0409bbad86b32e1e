import { and, arrayContains, asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { ssoConnections, ssoIdentities, ssoSignInAttempts, users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type SsoConnectionRow = typeof ssoConnections.$inferSelect;
export type SsoConnectionInsert = typeof ssoConnections.$inferInsert;
export type SsoConnectionChanges = Partial<Omit<SsoConnectionInsert, 'id' | 'tenantId' | 'createdAt'>>;
export type SsoAttemptRow = typeof ssoSignInAttempts.$inferSelect;
export type SsoIdentityRow = typeof ssoIdentities.$inferSelect;
type UserRow = typeof users.$inferSelect;

/**
 * All SQL of single sign-on. Finding a connection by slug, email domain or state is global by design:
 * the sign-in page knows no tenant yet; everything after goes through the connection's tenant.
 */
export function createSsoRepository() {
  return {
    async listConnections(db: Executor, tenantId: string): Promise<SsoConnectionRow[]> {
      return db.select().from(ssoConnections).where(inTenant(ssoConnections, tenantId));
    },

    async findConnection(db: Executor, tenantId: string, id: string): Promise<SsoConnectionRow | undefined> {
      const [row] = await db
        .select()
        .from(ssoConnections)
        .where(inTenant(ssoConnections, tenantId, eq(ssoConnections.id, id)))
        .limit(1);
      return row;
    },

    /** A platform admin's look-up, which may address any tenant's connection. */
    async findConnectionInAnyTenant(db: Executor, id: string): Promise<SsoConnectionRow | undefined> {
      const [row] = await db.select().from(ssoConnections).where(eq(ssoConnections.id, id)).limit(1);
      return row;
    },

    async findConnectionBySlug(db: Executor, slug: string): Promise<SsoConnectionRow | undefined> {
      const [row] = await db
        .select()
        .from(ssoConnections)
        .where(sql`lower(${ssoConnections.slug}) = lower(${slug})`)
        .limit(1);
      return row;
    },

    async findConnectionByDomain(db: Executor, domain: string): Promise<SsoConnectionRow | undefined> {
      const [row] = await db
        .select()
        .from(ssoConnections)
        .where(arrayContains(ssoConnections.allowedDomains, [domain]))
        .orderBy(asc(ssoConnections.createdAt))
        .limit(1);
      return row;
    },

    /**
     * Held until the transaction ends by every write of a connection's domains, so "each domain leads to
     * one tenant" cannot be broken by two admins saving at the same moment (each checked, neither saw the
     * other). A lock rather than a unique index: an index cannot span the elements of an array, and a side
     * table of domains would be a second copy of them to keep in step, where dropping the array column
     * would break rolling upgrades (docs/scaling.md). Domains change rarely, so one lock for all costs nothing.
     */
    async lockDomainClaims(tx: Executor): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('sso-connection-domains', 0))`);
    },

    /** Another tenant's connection that already claims one of these domains, if any. */
    async findDomainClaimedElsewhere(
      db: Executor,
      tenantId: string,
      domains: readonly string[],
    ): Promise<{ domain: string } | undefined> {
      const [row] = await db
        .select({ domains: ssoConnections.allowedDomains })
        .from(ssoConnections)
        .where(
          and(
            sql`${ssoConnections.tenantId} <> ${tenantId}`,
            sql`${ssoConnections.allowedDomains} && ${sql.param([...domains])}::text[]`,
          ),
        )
        .limit(1);
      const domain = row?.domains.find((claimed) => domains.includes(claimed));
      return domain === undefined ? undefined : { domain };
    },

    async insertConnection(db: Executor, row: SsoConnectionInsert): Promise<SsoConnectionRow> {
      const [inserted] = await db.insert(ssoConnections).values(row).returning();
      return inserted!;
    },

    async updateConnection(
      db: Executor,
      tenantId: string,
      id: string,
      changes: SsoConnectionChanges,
    ): Promise<SsoConnectionRow | undefined> {
      const [row] = await db
        .update(ssoConnections)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(ssoConnections, tenantId, eq(ssoConnections.id, id)))
        .returning();
      return row;
    },

    async deleteConnection(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(ssoConnections)
        .where(inTenant(ssoConnections, tenantId, eq(ssoConnections.id, id)))
        .returning({ id: ssoConnections.id });
      return rows.length === 1;
    },

    async insertAttempt(db: Executor, row: typeof ssoSignInAttempts.$inferInsert): Promise<void> {
      await db.insert(ssoSignInAttempts).values(row);
      // Abandoned sign-ins go as new ones come: the table holds at most the last few minutes' attempts.
      await db.delete(ssoSignInAttempts).where(lt(ssoSignInAttempts.expiresAt, new Date()));
    },

    /**
     * The attempt this state began, removed in the same statement: of two callbacks with one state
     * (a replay, or a race), exactly one gets it.
     */
    async takeAttempt(db: Executor, stateHash: string): Promise<SsoAttemptRow | undefined> {
      const [row] = await db.delete(ssoSignInAttempts).where(eq(ssoSignInAttempts.stateHash, stateHash)).returning();
      return row;
    },

    async findUserByEmail(db: Executor, tenantId: string, email: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(inTenant(users, tenantId, sql`lower(${users.email}) = lower(${email})`))
        .limit(1)
        .for('update');
      return row;
    },

    /**
     * The user this connection's subject signed in as before, locked for the sign-in's changes. The newest
     * when there are several: before subjects were matched, an address changed at the provider made a
     * second user with the same subject (hence an index, not a unique one).
     */
    async findUserBySubject(
      db: Executor,
      tenantId: string,
      connectionId: string,
      subject: string,
    ): Promise<{ user: UserRow; identity: SsoIdentityRow } | undefined> {
      const [row] = await db
        .select({ user: users, identity: ssoIdentities })
        .from(ssoIdentities)
        .innerJoin(users, eq(users.id, ssoIdentities.userId))
        .where(
          inTenant(
            ssoIdentities,
            tenantId,
            eq(ssoIdentities.connectionId, connectionId),
            eq(ssoIdentities.subject, subject),
          ),
        )
        .orderBy(desc(ssoIdentities.lastSignInAt))
        .limit(1)
        .for('update', { of: users });
      return row;
    },

    /** The users this connection's subject signed in as (one, or several from before subjects were matched). */
    async findUserIdsBySubject(
      db: Executor,
      tenantId: string,
      connectionId: string,
      subject: string,
    ): Promise<string[]> {
      const rows = await db
        .select({ userId: ssoIdentities.userId })
        .from(ssoIdentities)
        .where(
          inTenant(
            ssoIdentities,
            tenantId,
            eq(ssoIdentities.connectionId, connectionId),
            eq(ssoIdentities.subject, subject),
          ),
        );
      return rows.map((row) => row.userId);
    },

    async findIdentity(db: Executor, tenantId: string, userId: string): Promise<SsoIdentityRow | undefined> {
      const [row] = await db
        .select()
        .from(ssoIdentities)
        .where(inTenant(ssoIdentities, tenantId, eq(ssoIdentities.userId, userId)))
        .limit(1);
      return row;
    },

    async saveIdentity(
      db: Executor,
      identity: {
        tenantId: string;
        userId: string;
        connectionId: string;
        subject: string;
        deprovisionedAt: Date | null;
      },
    ): Promise<void> {
      await db
        .insert(ssoIdentities)
        .values({ ...identity, lastSignInAt: new Date() })
        .onConflictDoUpdate({
          target: ssoIdentities.userId,
          set: {
            connectionId: identity.connectionId,
            subject: identity.subject,
            deprovisionedAt: identity.deprovisionedAt,
            lastSignInAt: new Date(),
          },
        });
    },
  };
}

export type SsoRepository = ReturnType<typeof createSsoRepository>;
