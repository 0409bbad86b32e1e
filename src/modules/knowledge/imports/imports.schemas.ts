import { z } from 'zod';
import { importFileOutcomes, importStatuses } from '../../../platform/db/schema/index.js';
import type { ImportFileRow, ImportRow } from './imports.repository.js';

export const importParams = z.object({ id: z.uuid(), importId: z.uuid() });

export const importFileSchema = z.object({
  position: z.number().int(),
  /** The file's path in its folder or zip, or its name. */
  path: z.string(),
  outcome: z.enum(importFileOutcomes),
  /** The document added, or (for a duplicate) the one that already holds this content. */
  documentId: z.uuid().nullable(),
  /** Why it failed or was skipped, for the person importing. */
  message: z.string().nullable(),
});
export type ImportFileView = z.infer<typeof importFileSchema>;

export const importSchema = z.object({
  id: z.uuid(),
  sourceId: z.uuid(),
  /** `running` while files are being added; the documents' own indexing is followed on the documents. */
  status: z.enum(importStatuses),
  fileCount: z.number().int(),
  addedCount: z.number().int(),
  duplicateCount: z.number().int(),
  failedCount: z.number().int(),
  errorMessage: z.string().nullable(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type ImportView = z.infer<typeof importSchema>;

export const importListSchema = z.object({ items: z.array(importSchema) });

export const listImportFilesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  /** The last position of the previous page. */
  after: z.coerce.number().int().min(0).max(1_000_000).default(0),
  outcome: z.enum(importFileOutcomes).optional(),
});
export type ListImportFilesQuery = z.infer<typeof listImportFilesQuery>;

export const importFilePageSchema = z.object({
  items: z.array(importFileSchema),
  /** Pass as `after` for the next page; null on the last. */
  nextAfter: z.number().int().nullable(),
});

export const presentImport = (row: ImportRow): ImportView => ({
  id: row.id,
  sourceId: row.sourceId,
  status: row.status,
  fileCount: row.fileCount,
  addedCount: row.addedCount,
  duplicateCount: row.duplicateCount,
  failedCount: row.failedCount,
  errorMessage: row.errorMessage,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
});

export const presentImportFile = (row: ImportFileRow): ImportFileView => ({
  position: row.position,
  path: row.path,
  outcome: row.outcome,
  documentId: row.documentId,
  message: row.message,
});
