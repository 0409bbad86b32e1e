import { z } from 'zod';
import type { SummaryRow } from './companion.repository.js';

export const markReadBody = z.strictObject({
  /** This message and every earlier one from the other side are marked read. */
  upToMessageId: z.uuid('must be a message id (a UUID) of this conversation'),
});
export type MarkReadInput = z.infer<typeof markReadBody>;

export const readReceiptSchema = z.object({
  conversationId: z.uuid(),
  /** The furthest message the caller has read, which may be later than the one sent (reads never go back). */
  readThroughMessageId: z.uuid(),
  readAt: z.iso.datetime(),
  /** How many messages this call marked read (0 when they were read already). */
  markedCount: z.number().int(),
});
export type ReadReceiptView = z.infer<typeof readReceiptSchema>;

export const summarySchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  content: z.string(),
  /** The messages it covers: from the conversation's first (through the previous summary) to this one. */
  firstMessageId: z.uuid(),
  lastMessageId: z.uuid(),
  /** The user turns it covers, since the conversation began. */
  userTurns: z.number().int(),
  /** The model that wrote it (`offline` for the built-in extractive summary). */
  model: z.string(),
  createdAt: z.iso.datetime(),
});
export type SummaryView = z.infer<typeof summarySchema>;

/** Newest first; a conversation keeps few (one per N turns), so they come in one page. */
export const summaryListSchema = z.object({ items: z.array(summarySchema) });

export const presentSummary = (row: SummaryRow): SummaryView => ({
  id: row.id,
  conversationId: row.conversationId,
  content: row.content,
  firstMessageId: row.firstMessageId,
  lastMessageId: row.lastMessageId,
  userTurns: row.userTurns,
  model: row.model,
  createdAt: row.createdAt.toISOString(),
});
