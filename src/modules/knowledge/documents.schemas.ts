import { z } from 'zod';
import { documentOrigins, documentStatuses } from '../../platform/db/schema/index.js';
import { httpUrl, pageOf } from '../../platform/http/common-schemas.js';
import { pageCursor, pageLimit } from '../../platform/http/list-query.js';
import type { DocumentRow } from './documents.repository.js';

export const documentSchema = z.object({
  id: z.uuid(),
  sourceId: z.uuid(),
  title: z.string(),
  /** Where an imported file was in its folder or zip (`guides/setup.md`); null otherwise. */
  path: z.string().nullable(),
  origin: z.enum(documentOrigins),
  url: z.string().nullable(),
  mediaType: z.string().nullable(),
  byteSize: z.number().int().nullable(),
  sha256: z.string().nullable(),
  status: z.enum(documentStatuses),
  /** 0–100 while processing. */
  progress: z.number().int(),
  errorMessage: z.string().nullable(),
  pageCount: z.number().int().nullable(),
  chunkCount: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  indexedAt: z.iso.datetime().nullable(),
});
export type DocumentView = z.infer<typeof documentSchema>;

export const presentDocument = (document: DocumentRow): DocumentView => ({
  id: document.id,
  sourceId: document.sourceId,
  title: document.title,
  path: document.path,
  origin: document.origin,
  url: document.url,
  mediaType: document.mediaType,
  byteSize: document.byteSize,
  sha256: document.sha256,
  status: document.status,
  progress: document.progress,
  errorMessage: document.errorMessage,
  pageCount: document.pageCount,
  chunkCount: document.chunkCount,
  createdAt: document.createdAt.toISOString(),
  updatedAt: document.updatedAt.toISOString(),
  indexedAt: document.indexedAt?.toISOString() ?? null,
});

export const documentPageSchema = pageOf(documentSchema);

export const sourceParams = z.object({ id: z.uuid() });
export const documentParams = z.object({ id: z.uuid(), documentId: z.uuid() });

export const listDocumentsQuery = z.strictObject({
  limit: pageLimit,
  cursor: pageCursor.optional(),
  status: z.enum(documentStatuses).optional(),
});
export type ListDocumentsQuery = z.infer<typeof listDocumentsQuery>;

export const documentFromUrlBody = z.strictObject({
  url: httpUrl,
});
