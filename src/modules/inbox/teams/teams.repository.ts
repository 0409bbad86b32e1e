import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  supportConversations,
  teamMembers,
  teams,
  users,
  type SupportStatus,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type StoredTeam = typeof teams.$inferSelect;
export type TeamChanges = Partial<Pick<StoredTeam, 'name' | 'description' | 'replyTargets'>>;

/** More teams than any desk has: the console lists them at once. */
export const maxTeams = 200;

export function createTeamsRepository() {
  return {
    list: (db: Executor, tenantId: string) =>
      db.select().from(teams).where(inTenant(teams, tenantId)).orderBy(asc(teams.name), asc(teams.id)).limit(maxTeams),

    async find(db: Executor, tenantId: string, id: string): Promise<StoredTeam | undefined> {
      const [row] = await db
        .select()
        .from(teams)
        .where(inTenant(teams, tenantId, eq(teams.id, id)))
        .limit(1);
      return row;
    },

    async insert(db: Executor, row: typeof teams.$inferInsert): Promise<StoredTeam> {
      const [inserted] = await db.insert(teams).values(row).returning();
      return inserted!;
    },

    async update(db: Executor, tenantId: string, id: string, changes: TeamChanges): Promise<StoredTeam | undefined> {
      const [row] = await db
        .update(teams)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(teams, tenantId, eq(teams.id, id)))
        .returning();
      return row;
    },

    async remove(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(teams)
        .where(inTenant(teams, tenantId, eq(teams.id, id)))
        .returning({ id: teams.id });
      return rows.length === 1;
    },

    /** The members of these teams with the names the console shows, by team then name. */
    async membersOf(db: Executor, tenantId: string, teamIds: readonly string[]) {
      if (teamIds.length === 0) return [];
      return db
        .select({
          teamId: teamMembers.teamId,
          userId: teamMembers.userId,
          name: sql<string>`coalesce(${users.displayName}, ${users.email})`,
        })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        .where(inTenant(teamMembers, tenantId, inArray(teamMembers.teamId, [...teamIds])))
        .orderBy(asc(teamMembers.teamId), asc(users.email));
    },

    /** The whole member list at once: the team is locked by the delete, so two writers apply in turn. */
    async replaceMembers(db: Executor, tenantId: string, teamId: string, userIds: readonly string[]): Promise<void> {
      await db.delete(teamMembers).where(inTenant(teamMembers, tenantId, eq(teamMembers.teamId, teamId)));
      if (userIds.length === 0) return;
      await db.insert(teamMembers).values(userIds.map((userId) => ({ tenantId, teamId, userId })));
    },

    /** The tenant's enabled users among these ids, with their roles. */
    async findUsers(db: Executor, tenantId: string, userIds: readonly string[]) {
      if (userIds.length === 0) return [];
      return db
        .select({ id: users.id, role: users.role })
        .from(users)
        .where(and(inTenant(users, tenantId, inArray(users.id, [...userIds])), isNull(users.disabledAt)));
    },

    /** The teams the user belongs to (the queue's "my teams"). */
    async teamIdsOf(db: Executor, tenantId: string, userId: string): Promise<string[]> {
      const rows = await db
        .select({ teamId: teamMembers.teamId })
        .from(teamMembers)
        .where(inTenant(teamMembers, tenantId, eq(teamMembers.userId, userId)))
        .limit(maxTeams);
      return rows.map((row) => row.teamId);
    },

    /**
     * How many conversations each team's queue holds (by default every unresolved one): one grouped
     * count over the team index; teams with none are not in the answer.
     */
    async countByTeam(db: Executor, tenantId: string, status: SupportStatus | undefined) {
      return db
        .select({ teamId: supportConversations.teamId, count: sql<number>`count(*)::int` })
        .from(supportConversations)
        .where(
          inTenant(
            supportConversations,
            tenantId,
            status === undefined
              ? ne(supportConversations.status, 'resolved')
              : eq(supportConversations.status, status),
            sql`${supportConversations.teamId} is not null`,
          ),
        )
        .groupBy(supportConversations.teamId);
    },
  };
}

export type TeamsRepository = ReturnType<typeof createTeamsRepository>;
