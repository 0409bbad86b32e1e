import { and, eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { projects } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type ProjectRow = typeof projects.$inferSelect;

export function createProjectsRepository() {
  return {
    async insert(db: Executor, project: typeof projects.$inferInsert): Promise<ProjectRow> {
      const [row] = await db.insert(projects).values(project).returning();
      return row!;
    },

    async findById(db: Executor, tenantId: string, projectId: string): Promise<ProjectRow | undefined> {
      const [row] = await db
        .select()
        .from(projects)
        .where(inTenant(projects, tenantId, eq(projects.id, projectId)));
      return row;
    },

    /** Newest first, keyset on (created_at, id); fetches limit + 1 to tell whether a next page exists. */
    async list(db: Executor, tenantId: string, ownerId: string | undefined, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        ownerId ? eq(projects.ownerId, ownerId) : undefined,
        afterCursor(projects.createdAt, projects.id, page.after),
      ];
      return db
        .select({ row: projects, cursorAt: cursorTimestamp(projects.createdAt) })
        .from(projects)
        .where(inTenant(projects, tenantId, and(...conditions)))
        .orderBy(...newestFirst(projects.createdAt, projects.id))
        .limit(page.limit + 1);
    },

    async update(
      db: Executor,
      tenantId: string,
      projectId: string,
      changes: Partial<Pick<ProjectRow, 'name' | 'description'>>,
    ): Promise<ProjectRow | undefined> {
      const [row] = await db
        .update(projects)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(projects, tenantId, eq(projects.id, projectId)))
        .returning();
      return row;
    },

    async delete(db: Executor, tenantId: string, projectId: string): Promise<void> {
      await db.delete(projects).where(inTenant(projects, tenantId, eq(projects.id, projectId)));
    },
  };
}

export type ProjectsRepository = ReturnType<typeof createProjectsRepository>;
