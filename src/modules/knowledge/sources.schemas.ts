import { z } from 'zod';
import { pageOf, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { pageCursor, pageLimit } from '../../platform/http/list-query.js';
import type { SourceWithCounts } from './sources.repository.js';

export const defaultChunkTokens = 512;
export const defaultChunkOverlapTokens = 64;

export const sourceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  embeddingModel: z.string(),
  embeddingDimensions: z.number().int(),
  rerankModel: z.string().nullable(),
  chunkTokens: z.number().int(),
  chunkOverlapTokens: z.number().int(),
  documentCount: z.number().int(),
  chunkCount: z.number().int().describe('Passages a search can find now: those of published documents'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type SourceView = z.infer<typeof sourceSchema>;

export const presentSource = (source: SourceWithCounts): SourceView => ({
  id: source.id,
  name: source.name,
  description: source.description,
  embeddingModel: source.embeddingModel,
  embeddingDimensions: source.embeddingDimensions,
  rerankModel: source.rerankModel,
  chunkTokens: source.chunkTokens,
  chunkOverlapTokens: source.chunkOverlapTokens,
  documentCount: source.documentCount,
  chunkCount: source.searchableChunks,
  createdAt: source.createdAt.toISOString(),
  updatedAt: source.updatedAt.toISOString(),
});

export const sourcePageSchema = pageOf(sourceSchema);

export const listSourcesQuery = z.strictObject({ limit: pageLimit, cursor: pageCursor.optional() });
export type ListSourcesQuery = z.infer<typeof listSourcesQuery>;

const sourceName = visibleText(200);
const sourceDescription = z.string().trim().max(2000);
const embeddingModel = z.string().trim().min(1, 'must not be empty').max(200);
/** Null (or absent on create) searches without reranking. */
const rerankModel = z.string().trim().min(1, 'must not be empty; send null for no reranking').max(200).nullable();
const chunkTokens = z.number().int('must be a whole number').min(64).max(2048);
const chunkOverlapTokens = z.number().int('must be a whole number').min(0).max(1023);

export const createSourceBody = z
  .strictObject({
    name: sourceName,
    description: sourceDescription.optional(),
    embeddingModel: embeddingModel.optional(),
    rerankModel: rerankModel.optional(),
    chunkTokens: chunkTokens.default(defaultChunkTokens),
    chunkOverlapTokens: chunkOverlapTokens.default(defaultChunkOverlapTokens),
  })
  .refine((body) => body.chunkOverlapTokens < body.chunkTokens / 2, {
    path: ['chunkOverlapTokens'],
    message: 'must be less than half of chunkTokens',
  });
export type CreateSourceInput = z.infer<typeof createSourceBody>;

/** Overlap against chunk size is checked by the service, which knows the stored value of the one not sent. */
export const updateSourceBody = patchBody({
  name: sourceName.optional(),
  description: sourceDescription.optional(),
  embeddingModel: embeddingModel.optional(),
  rerankModel: rerankModel.optional(),
  chunkTokens: chunkTokens.optional(),
  chunkOverlapTokens: chunkOverlapTokens.optional(),
});
export type UpdateSourceInput = z.infer<typeof updateSourceBody>;
