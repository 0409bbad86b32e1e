import { z } from 'zod';
import { patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { memoryMaxChars } from './memory-extraction.js';
import type { MemoryRow } from './memories.repository.js';

export const memoryParams = z.object({ id: z.uuid(), memoryId: z.uuid() });

/** A PATCH like every other: its one field is optional, and an empty body is refused naming it. */
export const updateMemoryBody = patchBody({
  /** The fact in your words, one short line. */
  content: visibleText(memoryMaxChars).optional(),
});
export type UpdateMemoryInput = z.infer<typeof updateMemoryBody>;

export const memorySchema = z.object({
  id: z.uuid(),
  agentId: z.uuid(),
  content: z.string(),
  /** The message it was drawn from; null once that message is gone. */
  sourceMessageId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type MemoryView = z.infer<typeof memorySchema>;

/** Oldest first; at most 200 per agent and user, so one page. */
export const memoryListSchema = z.object({ items: z.array(memorySchema) });

export const presentMemory = (row: MemoryRow): MemoryView => ({
  id: row.id,
  agentId: row.agentId,
  content: row.content,
  sourceMessageId: row.sourceMessageId,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
