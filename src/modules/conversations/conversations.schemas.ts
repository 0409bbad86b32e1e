import { z } from 'zod';
import { pageOf, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { booleanQuery, pageCursor, pageLimit } from '../../platform/http/list-query.js';
import type { ConversationRow } from './conversations.repository.js';

export const conversationSchema = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  agentId: z.uuid().nullable(),
  projectId: z.uuid().nullable(),
  title: z.string().nullable(),
  messageCount: z.number().int(),
  /** What the conversation carries from turn to turn: `lastModel` (the ref that answered last) and `turns`. */
  state: z.record(z.string(), z.unknown()),
  archived: z.boolean(),
  archivedAt: z.iso.datetime().nullable(),
  /**
   * In lists only: the caller's unread messages (the agent's for the owner, the owner's for an operator),
   * counted up to 1000. POST …/read marks them read; reading never does by itself.
   */
  unreadCount: z.number().int().optional(),
  lastActivityAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ConversationView = z.infer<typeof conversationSchema>;

export const presentConversation = (conversation: ConversationRow & { unreadCount?: number }): ConversationView => ({
  id: conversation.id,
  ownerId: conversation.ownerId,
  agentId: conversation.agentId,
  projectId: conversation.projectId,
  title: conversation.title,
  messageCount: conversation.messageCount,
  state: conversation.state,
  archived: conversation.archivedAt !== null,
  archivedAt: conversation.archivedAt?.toISOString() ?? null,
  ...(conversation.unreadCount !== undefined && { unreadCount: conversation.unreadCount }),
  lastActivityAt: conversation.lastActivityAt.toISOString(),
  createdAt: conversation.createdAt.toISOString(),
  updatedAt: conversation.updatedAt.toISOString(),
});

export const conversationPageSchema = pageOf(conversationSchema);

export const listConversationsQuery = z.strictObject({
  limit: pageLimit,
  cursor: pageCursor.optional(),
  projectId: z.uuid().optional(),
  /** false (the default) lists the active conversations, true the archived ones. */
  archived: booleanQuery.default(false),
  /**
   * Case-insensitive substring of the title; bounded, since it is a scan within the caller's list. Composed
   * (NFC) as titles are stored, so "München" typed with a separate accent still finds it.
   */
  q: z.string().trim().normalize('NFC').min(1).max(100).optional(),
});
export type ListConversationsQuery = z.infer<typeof listConversationsQuery>;

const title = visibleText(200);

export const createConversationBody = z.strictObject({
  /** Accepted and ignored: ids are always made by the server (UUID v7). */
  id: z
    .string()
    .max(100)
    .optional()
    .describe('Ignored: the server makes every id (a UUID v7); read it from the answer'),
  agentId: z.uuid('must be an agent id (a UUID)'),
  title: title.optional(),
  projectId: z.uuid().optional(),
});
export type CreateConversationInput = z.infer<typeof createConversationBody>;

export const updateConversationBody = patchBody({
  /** null clears the title, so the next exchange names the conversation again. */
  title: title.nullable().optional(),
  projectId: z.uuid().nullable().optional(),
  archived: z.boolean().optional(),
});
export type UpdateConversationInput = z.infer<typeof updateConversationBody>;
