import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { deskUserEmail } from './desk-user-address.js';

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type UserChanges = Partial<Pick<UserRow, 'role' | 'displayName' | 'disabledAt' | 'passwordHash'>>;

export function createUsersRepository() {
  return {
    async listUsers(db: Executor, tenantId: string, page: PageRequest) {
      return db
        .select({ row: users, cursorAt: cursorTimestamp(users.createdAt) })
        .from(users)
        .where(
          inTenant(
            users,
            tenantId,
            and(
              afterCursor(users.createdAt, users.id, page.after),
              // The desk user is a service account, not a person an admin manages (ADR 18).
              sql`lower(${users.email}) <> ${deskUserEmail(tenantId)}`,
            ),
          ),
        )
        .orderBy(...newestFirst(users.createdAt, users.id))
        .limit(page.limit + 1);
    },

    async findUser(db: Executor, tenantId: string, userId: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(inTenant(users, tenantId, eq(users.id, userId)))
        .limit(1);
      return row;
    },

    /**
     * Locks these users' rows until the transaction ends, in id order (two admins changing each other
     * lock the same two rows in the same order, so neither waits on the other for ever), and answers them.
     */
    async lockUsers(db: Executor, tenantId: string, userIds: readonly string[]): Promise<UserRow[]> {
      return db
        .select()
        .from(users)
        .where(inTenant(users, tenantId, inArray(users.id, [...userIds])))
        .orderBy(users.id)
        .for('update');
    },

    /** Within the tenant only: whether an address has an account in another tenant is not this tenant's business (ADR 3). */
    async isEmailTaken(db: Executor, tenantId: string, email: string): Promise<boolean> {
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(inTenant(users, tenantId, sql`lower(${users.email}) = lower(${email})`))
        .limit(1);
      return row !== undefined;
    },

    async insertUser(db: Executor, user: NewUserRow): Promise<UserRow> {
      const [row] = await db.insert(users).values(user).returning();
      return row!;
    },

    async updateUser(
      db: Executor,
      tenantId: string,
      userId: string,
      changes: UserChanges,
    ): Promise<UserRow | undefined> {
      const [row] = await db
        .update(users)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(users, tenantId, eq(users.id, userId)))
        .returning();
      return row;
    },

    async deleteUser(db: Executor, tenantId: string, userId: string): Promise<boolean> {
      const rows = await db
        .delete(users)
        .where(inTenant(users, tenantId, eq(users.id, userId)))
        .returning({ id: users.id });
      return rows.length === 1;
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
