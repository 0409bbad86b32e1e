import { z } from 'zod';
import { messageRoles } from '../../platform/db/schema/index.js';
import { pageLimit } from '../../platform/http/list-query.js';
import { shownMessageStatuses, shownStatusOf } from './message-outcome.js';
import type { MessageRow } from './messages.repository.js';

export const messageUsageSchema = z.object({
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  reasoningTokens: z.number().int().nullable(),
  totalTokens: z.number().int().nullable(),
});

/** A passage a reply cites; `marker` is the [n] in its text. */
export const citationSchema = z.object({
  marker: z.number().int(),
  sourceId: z.uuid(),
  documentId: z.uuid(),
  documentTitle: z.string(),
  chunkId: z.uuid(),
  page: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  score: z.number(),
  excerpt: z.string(),
  /** What the search read instead of some typed words ("searched for `to` instead of `from`"); absent when nothing. */
  queryCorrections: z.array(z.object({ from: z.string(), to: z.string() })).optional(),
});

/** A file a user message carries (GET /v1/files/:id for more, …/content for the bytes). */
export const attachmentSchema = z.object({
  fileId: z.uuid(),
  filename: z.string(),
  mediaType: z.string(),
});

export const messageSchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  role: z.enum(messageRoles),
  content: z.string(),
  reasoning: z.string().nullable(),
  /** `stopped`: a reply cut short (its owner's stop, an operator's take): not the AI's whole answer. */
  status: z.enum(shownMessageStatuses),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  model: z.string().nullable(),
  /** The version of the agent that wrote a reply (GET /v1/agents/{id}/versions); null for other messages. */
  agentVersion: z.number().int().nullable(),
  /** null for messages no model produced (the user's). */
  usage: messageUsageSchema.nullable(),
  timeToFirstTokenMs: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  finishReason: z.string().nullable(),
  /** The knowledge passages the reply cites; empty for other messages. */
  citations: z.array(citationSchema),
  /** The files a user message carries; empty for other messages. */
  attachments: z.array(attachmentSchema),
  /** The tools the reply called (agent tool loop), in order; empty for other messages. */
  toolCalls: z.array(
    z.object({
      toolCallId: z.string(),
      toolName: z.string(),
      input: z.unknown(),
      state: z.enum(['awaiting_approval', 'denied', 'running', 'complete', 'error']),
      output: z.unknown().optional(),
      errorMessage: z.string().optional(),
    }),
  ),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  /**
   * When the other side read it (POST …/read): the owner, for the agent's messages; an operator, for the
   * owner's. Null while unread, and for agents with read receipts off.
   */
  readAt: z.iso.datetime().nullable(),
  /** Only on a reply a person wrote in a support conversation (an operator): who, by the name shown then. */
  author: z.object({ kind: z.literal('operator'), userId: z.uuid().nullable(), name: z.string() }).optional(),
  /** Only on a message the agent sent on its own to a user who went quiet (docs/companion.md). */
  proactive: z.literal(true).optional(),
  /**
   * Only on a bubble of a split reply (docs/companion.md): `id` is the turn's first reply message, which
   * every bubble of the reply names, and `position` the bubble's place from 0.
   */
  replyGroup: z.object({ id: z.uuid(), position: z.number().int() }).optional(),
  /** The seq of the message's latest state in its conversation's event log (docs/realtime.md). */
  seq: z.number().int(),
});
export type MessageView = z.infer<typeof messageSchema>;

export function presentMessage(message: MessageRow): MessageView {
  const { inputTokens, outputTokens, reasoningTokens, totalTokens } = message;
  const hasUsage = [inputTokens, outputTokens, reasoningTokens, totalTokens].some((value) => value !== null);
  return {
    id: message.id,
    conversationId: message.conversationId,
    role: message.role,
    content: message.content,
    reasoning: message.reasoning,
    status: shownStatusOf(message),
    error: message.errorCode ? { code: message.errorCode, message: message.errorMessage ?? '' } : null,
    model: message.model,
    agentVersion: message.agentVersion,
    usage: hasUsage ? { inputTokens, outputTokens, reasoningTokens, totalTokens } : null,
    timeToFirstTokenMs: message.timeToFirstTokenMs,
    durationMs: message.durationMs,
    finishReason: message.finishReason,
    citations: (message.citations ?? []).map(({ queryCorrections, ...citation }) => ({
      ...citation,
      headingPath: [...citation.headingPath],
      ...(queryCorrections && { queryCorrections: queryCorrections.map(({ from, to }) => ({ from, to })) }),
    })),
    attachments: message.attachments ?? [],
    toolCalls: (message.toolCalls ?? []).map(({ toolKey: _toolKey, ...call }) => call),
    createdAt: message.createdAt.toISOString(),
    completedAt: message.completedAt?.toISOString() ?? null,
    readAt: message.readAt?.toISOString() ?? null,
    seq: message.seq,
    ...(message.authorName != null && {
      author: { kind: 'operator' as const, userId: message.authorId ?? null, name: message.authorName },
    }),
    ...(message.proactive && { proactive: true as const }),
    ...(message.replyGroupId != null && {
      replyGroup: { id: message.replyGroupId, position: message.replyPosition ?? 0 },
    }),
  };
}

/** Message ids are UUID v7, so an id is its own cursor: history pages are keyset on id. */
export const messageHistoryQuery = z
  .strictObject({
    limit: pageLimit,
    /** Messages older than this one (the page just before it). */
    before: z.uuid('must be a message id').optional(),
    /** Messages newer than this one (the page just after it). */
    after: z.uuid('must be a message id').optional(),
  })
  .refine((query) => !(query.before && query.after), { message: 'send before or after, not both' });
export type MessageHistoryQuery = z.infer<typeof messageHistoryQuery>;

export const messageHistorySchema = z.object({
  /** Oldest first. Without before/after: the most recent messages. */
  items: z.array(messageSchema),
  /** Pass as `before` to load older messages; null when there are none. */
  olderCursor: z.uuid().nullable(),
  /** Pass as `after` to load newer messages; null when there were none when this page was read. */
  newerCursor: z.uuid().nullable(),
});
export type MessageHistoryView = z.infer<typeof messageHistorySchema>;
