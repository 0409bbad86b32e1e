import { z } from 'zod';
import { visibleText } from '../../../platform/http/common-schemas.js';
import { shownMessageStatuses, shownStatusOf } from '../../conversations/index.js';
import type { DeskMessageRow } from './desk-messages.repository.js';
import type { StoredEvent } from '../support/support.repository.js';

export const deskMessageRoles = ['contact', 'assistant', 'operator', 'system'] as const;

/** One line of a support conversation as operators read it: a message, or a status change as a system line. */
export const deskMessageSchema = z.object({
  id: z.uuid(),
  role: z.enum(deskMessageRoles),
  content: z.string(),
  /** The operator's name as the contact saw it, or who changed the status. */
  authorName: z.string().optional(),
  authorId: z.uuid().nullable().optional(),
  /**
   * A message's state (`streaming` while the AI writes it; `stopped` for an AI reply cut short, as by a
   * take: not its whole answer); absent on system lines.
   */
  status: z.enum(shownMessageStatuses).optional(),
  /** On system lines: the status change itself. */
  event: z
    .object({ action: z.string(), from: z.string().nullable(), to: z.string(), reason: z.string().nullable() })
    .optional(),
  /** Images the contact sent from the widget (read with GET /v1/files/{fileId}/content); absent when none. */
  images: z.array(z.object({ fileId: z.uuid(), filename: z.string(), mediaType: z.string() })).optional(),
  /** Other files the contact sent (an email's attachments: documents, audio); absent when none. */
  files: z.array(z.object({ fileId: z.uuid(), filename: z.string(), mediaType: z.string() })).optional(),
  /** When the other side read it (read receipts): the contact for replies, an operator for the contact's. */
  readAt: z.iso.datetime().nullable().optional(),
  createdAt: z.iso.datetime(),
});
export type DeskMessageView = z.infer<typeof deskMessageSchema>;

export const deskMessagePageSchema = z.object({
  items: z.array(deskMessageSchema),
  /** Pass as `after` for the lines that follow; absent when there were no more when this page was read. */
  nextCursor: z.uuid().optional(),
});

export const deskMessagesQuery = z.strictObject({
  after: z.uuid('must be the id of a line this endpoint returned').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const operatorReplyBody = z.strictObject({
  content: visibleText(10_000),
  /** The console's own id for this reply: sending it again stores one message. */
  clientMessageId: z.string().trim().min(1).max(200).optional(),
});

export const replySuggestionSchema = z.object({
  /** A draft for the operator to edit and send; nothing is sent. */
  draft: z.string(),
});

const presenceStatuses = ['online', 'away', 'offline'] as const;

export const operatorListSchema = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      role: z.string(),
      presence: z.enum(presenceStatuses),
      openConversations: z.number().int(),
    }),
  ),
});

export const presenceBody = z.strictObject({ status: z.enum(['online', 'away']) });
export const presenceSchema = z.object({ presence: z.enum(presenceStatuses) });

export function presentDeskMessage(row: DeskMessageRow): DeskMessageView {
  const role =
    row.role === 'user'
      ? 'contact'
      : row.role === 'system'
        ? 'system'
        : row.authorName !== null
          ? 'operator'
          : 'assistant';
  const attachments = row.attachments ?? [];
  const images = attachments.filter((attachment) => attachment.mediaType.startsWith('image/'));
  const files = attachments.filter((attachment) => !attachment.mediaType.startsWith('image/'));
  return {
    id: row.id,
    role,
    content: row.content,
    ...(row.authorName !== null && { authorName: row.authorName, authorId: row.authorId }),
    status: shownStatusOf(row),
    ...(images.length > 0 && { images }),
    ...(files.length > 0 && { files }),
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

const eventSentences: Record<string, (name: string) => string> = {
  create: () => 'Conversation started',
  take: (name) => `${name} took the conversation`,
  assign: (name) => `${name} assigned the conversation`,
  transfer: (name) => `${name} transferred the conversation`,
  resolve: (name) => `${name} resolved the conversation`,
  snooze: (name) => `${name} snoozed the conversation`,
  reopen: (name) => `${name} reopened the conversation`,
  request_human: () => 'A person was asked for',
  contact_message: () => 'The contact wrote again',
  wake: () => 'The snooze ran out',
};

/** A status change as the line operators read in the conversation. */
export function presentEventLine(event: StoredEvent, actorName: string | null): DeskMessageView {
  const name =
    event.actorKind === 'operator' ? (actorName ?? 'An operator') : event.actorKind === 'ai' ? 'The AI' : 'The system';
  const sentence = (eventSentences[event.action] ?? (() => `Status changed to ${event.toStatus}`))(name);
  return {
    id: event.id,
    role: 'system',
    content: event.reason ? `${sentence}: ${event.reason}` : sentence,
    ...(actorName !== null && { authorName: actorName, authorId: event.actorId }),
    event: { action: event.action, from: event.fromStatus, to: event.toStatus, reason: event.reason },
    createdAt: event.createdAt.toISOString(),
  };
}
