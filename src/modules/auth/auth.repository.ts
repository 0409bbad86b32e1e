import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { preparedFor } from '../../platform/db/prepared.js';
import {
  apiKeys,
  refreshTokens,
  ssoConnections,
  ssoIdentities,
  tenants,
  users,
  type Role,
  type SignInMethod,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { isSessionLiveSql, isSsoRequiredOf } from './live-sign-in.js';

export type UserRow = typeof users.$inferSelect;
export type TenantRow = typeof tenants.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type RefreshTokenInsert = typeof refreshTokens.$inferInsert;

/** Runs on every authenticated request (ADR 2), hence prepared. */
const userById = preparedFor((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('auth_user_by_id'),
);

/**
 * Runs on every request made with an access token: the user, and whether the sign-in the token belongs
 * to is live (live-sign-in.ts, ADR 2, ADR 24).
 */
const userForAccessToken = preparedFor((db) =>
  db
    .select({
      user: users,
      isSessionLive: isSessionLiveSql(sql`${sql.placeholder('sessionId')}`, sql`${sql.placeholder('userId')}`),
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('auth_user_for_access_token'),
);

/**
 * Runs on every request made with an API key. With the user: when they last signed in through their
 * tenant's identity provider (null: never, or not linked to it) and whether the tenant requires it, which
 * bound how long the key works (ADR 24).
 */
const apiKeyWithUser = preparedFor((db) =>
  db
    .select({
      key: apiKeys,
      user: { id: users.id, role: users.role, disabledAt: users.disabledAt },
      lastSsoSignInAt: ssoIdentities.lastSignInAt,
      isSsoRequired: isSsoRequiredOf,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(ssoIdentities, eq(ssoIdentities.userId, users.id))
    .where(eq(apiKeys.keyHash, sql.placeholder('keyHash')))
    .limit(1)
    .prepare('auth_api_key_with_user'),
);

/**
 * Sign-in has to find a user before it knows the tenant, so these few look-ups are global by
 * design; everything after authentication goes through tenant-scoped repositories.
 */
export function createAuthRepository() {
  return {
    async countUsers(db: Executor): Promise<number> {
      const [row] = await db.select({ value: count() }).from(users);
      return row?.value ?? 0;
    },

    /** Serialises first-user registration across nodes (and the single PGlite connection). */
    async lockRegistration(tx: Executor): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
    },

    /**
     * The accounts an address has, oldest first, at most `limit` of them: addresses are unique within a
     * tenant, not across tenants (ADR 3), so one address may sign in to several tenants.
     */
    async findUsersByEmail(
      db: Executor,
      email: string,
      limit: number,
    ): Promise<{ user: UserRow; tenantName: string; isSsoRequired: boolean }[]> {
      return db
        .select({
          user: users,
          tenantName: tenants.name,
          // A tenant whose people sign in through its identity provider (docs/sso.md): password sign-in is refused.
          isSsoRequired: sql<boolean>`exists (select 1 from ${ssoConnections} where ${ssoConnections.tenantId} = ${users.tenantId} and ${ssoConnections.isSsoRequired})`,
        })
        .from(users)
        .innerJoin(tenants, eq(tenants.id, users.tenantId))
        .where(sql`lower(${users.email}) = lower(${email})`)
        .orderBy(users.createdAt, users.id)
        .limit(limit);
    },

    async findUserById(db: Executor, userId: string): Promise<UserRow | undefined> {
      const [row] = await userById(db).execute({ userId });
      return row;
    },

    async findUserForAccessToken(
      db: Executor,
      userId: string,
      sessionId: string,
    ): Promise<{ user: UserRow; isSessionLive: boolean } | undefined> {
      const [row] = await userForAccessToken(db).execute({ userId, sessionId });
      return row;
    },

    async findTenant(db: Executor, tenantId: string): Promise<TenantRow | undefined> {
      const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
      return row;
    },

    async insertTenant(db: Executor, tenant: typeof tenants.$inferInsert): Promise<TenantRow> {
      const [row] = await db.insert(tenants).values(tenant).returning();
      return row!;
    },

    async insertUser(db: Executor, user: typeof users.$inferInsert): Promise<UserRow> {
      const [row] = await db.insert(users).values(user).returning();
      return row!;
    },

    async insertRefreshToken(db: Executor, token: RefreshTokenInsert): Promise<void> {
      await db.insert(refreshTokens).values(token);
    },

    async findRefreshTokenByHash(db: Executor, tokenHash: string): Promise<RefreshTokenRow | undefined> {
      const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
      return row;
    },

    /** Marks the token used; returns false when another request rotated it first. */
    async markRotated(db: Executor, tokenId: string): Promise<boolean> {
      const rows = await db
        .update(refreshTokens)
        .set({ rotatedAt: new Date() })
        .where(and(eq(refreshTokens.id, tokenId), isNull(refreshTokens.rotatedAt), isNull(refreshTokens.revokedAt)))
        .returning({ id: refreshTokens.id });
      return rows.length === 1;
    },

    /** Whether the tenant's people must sign in through its identity provider. */
    async isSsoRequired(db: Executor, tenantId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: ssoConnections.id })
        .from(ssoConnections)
        .where(and(eq(ssoConnections.tenantId, tenantId), eq(ssoConnections.isSsoRequired, true)))
        .limit(1);
      return row !== undefined;
    },

    /** Ends the user's sign-ins that began one way (their provider signed them out: single sign-on's); how many. */
    async revokeSessionsSignedInWith(
      db: Executor,
      tenantId: string,
      userId: string,
      method: SignInMethod,
    ): Promise<number> {
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(
          inTenant(
            refreshTokens,
            tenantId,
            eq(refreshTokens.userId, userId),
            eq(refreshTokens.signedInWith, method),
            isNull(refreshTokens.revokedAt),
          ),
        )
        .returning({ familyId: refreshTokens.familyId });
      return new Set(rows.map((row) => row.familyId)).size;
    },

    async revokeFamily(db: Executor, tenantId: string, familyId: string): Promise<void> {
      await db
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(
          inTenant(refreshTokens, tenantId, eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)),
        );
    },

    /**
     * Ends every credential the user has: refresh tokens are revoked, access tokens already issued are
     * refused (the epoch moves on), and API keys are deleted, for good. Enabling the user again brings
     * none of them back (ASVS 7.4.2): they sign in anew and make new keys.
     */
    async endAllCredentials(db: Executor, tenantId: string, userId: string): Promise<void> {
      await db
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(inTenant(refreshTokens, tenantId, eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
      await db
        .update(users)
        .set({ sessionEpoch: sql`${users.sessionEpoch} + 1` })
        .where(inTenant(users, tenantId, eq(users.id, userId)));
      await db.delete(apiKeys).where(inTenant(apiKeys, tenantId, eq(apiKeys.userId, userId)));
    },

    async findApiKeyWithUser(db: Executor, keyHash: string) {
      const [row] = await apiKeyWithUser(db).execute({ keyHash });
      return row;
    },

    async touchApiKey(db: Executor, tenantId: string, keyId: string): Promise<void> {
      await db
        .update(apiKeys)
        .set({ lastUsedAt: new Date() })
        .where(inTenant(apiKeys, tenantId, eq(apiKeys.id, keyId)));
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
export type { Role };
