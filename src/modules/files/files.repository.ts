import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { files } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type FileRow = typeof files.$inferSelect;

/** All SQL of chat attachments; every query names its tenant. */
export function createFilesRepository() {
  return {
    async insertFile(db: Executor, file: typeof files.$inferInsert): Promise<FileRow> {
      const [row] = await db.insert(files).values(file).returning();
      return row!;
    },

    async findFile(db: Executor, tenantId: string, fileId: string): Promise<FileRow | undefined> {
      const [row] = await db
        .select()
        .from(files)
        .where(inTenant(files, tenantId, eq(files.id, fileId)));
      return row;
    },

    async findFiles(db: Executor, tenantId: string, fileIds: readonly string[]): Promise<FileRow[]> {
      if (fileIds.length === 0) return [];
      return db
        .select()
        .from(files)
        .where(inTenant(files, tenantId, inArray(files.id, [...fileIds])));
    },

    /** Text read from a document or heard in audio, kept so a file is parsed or transcribed once. */
    async setExtractedText(db: Executor, tenantId: string, fileId: string, text: string): Promise<void> {
      await db
        .update(files)
        .set({ extractedText: text })
        .where(inTenant(files, tenantId, eq(files.id, fileId)));
    },

    async deleteFile(db: Executor, tenantId: string, fileId: string): Promise<boolean> {
      const rows = await db
        .delete(files)
        .where(inTenant(files, tenantId, eq(files.id, fileId)))
        .returning({ id: files.id });
      return rows.length === 1;
    },
  };
}

export type FilesRepository = ReturnType<typeof createFilesRepository>;
