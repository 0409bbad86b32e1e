import { z } from 'zod';
import { supportStatuses, type StoredAttachment } from '../../platform/db/schema/index.js';
import type { CitationMode } from '../../platform/db/schema/support.js';
import { patchBody } from '../../platform/http/common-schemas.js';
import { shownStatusOf, type MessageOutcome } from '../conversations/index.js';
import { citedForContact } from '../inbox/desk/cited-for-contact.js';
import { widgetTextsViewSchema } from '../inbox/inboxes/widget-texts.js';
import type { StoredMessage } from './widget.repository.js';

export const publicInboxSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  color: z.string(),
  greeting: z.string(),
  hasAgent: z.boolean().describe('False for a human-only inbox: every conversation waits for a person'),
  csatEnabled: z.boolean(),
  isOpenNow: z.boolean().describe('Whether a person is at work now, per the business hours'),
  nextOpeningAt: z.iso.datetime().nullable().describe('When a person is next at work, if closed now'),
  texts: widgetTextsViewSchema.describe(
    "The inbox's own wording of the panel's texts, per language; the rest are the panel's",
  ),
});
export type PublicInboxView = z.infer<typeof publicInboxSchema>;

export const inboxParams = z.strictObject({ inboxId: z.uuid('must be an inbox id (UUID)') });

export const startSessionBody = z
  .strictObject({
    /** A token this browser got before: the same contact comes back. */
    contactToken: z.string().min(1).max(200).optional(),
    /** Your own user's id, signed by your server (identity verification). */
    identifier: z.string().trim().min(1).max(200).optional(),
    identifierHash: z.string().max(200).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    email: z.email('must be an email address').max(254).optional(),
    /**
     * The address in lowercase, signed like `identifier` by your server: only a signed address lets the
     * contact's mail join them (docs/security.md, "Mail identity"); an unsigned one is kept as typed.
     */
    emailHash: z.string().max(200).optional(),
    /** What the panel knows of the page and browser, for operators (the contact panel). */
    visitor: z
      .strictObject({
        page: z
          .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
          .max(2000)
          .optional(),
        referrer: z
          .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
          .max(2000)
          .optional(),
        language: z.string().trim().min(1).max(35).optional(),
        timeZone: z.string().trim().min(1).max(64).optional(),
      })
      .optional(),
  })
  .refine((body) => body.identifierHash === undefined || body.identifier !== undefined, {
    message: 'send identifierHash only with identifier',
  })
  .refine((body) => body.emailHash === undefined || (body.email !== undefined && body.identifier !== undefined), {
    message: 'send emailHash only with email and a signed identifier',
    path: ['emailHash'],
  });
export type StartSessionInput = z.infer<typeof startSessionBody>;

export const sessionSchema = z.object({
  contactToken: z.string().describe('Keep it (localStorage) and send it as `Authorization: Bearer …`'),
  contactId: z.uuid(),
  isVerified: z.boolean(),
  isReturning: z.boolean().describe('True when an earlier token (or a verified id) found this contact'),
});

export const widgetMessageSchema = z.object({
  id: z.uuid(),
  /** `contact`: the visitor; `ai`: the inbox's agent; `operator`: a person; `system`: a status line. */
  author: z.enum(['contact', 'ai', 'operator', 'system']),
  /** The person's display name, on an operator's reply; null otherwise. */
  authorName: z.string().nullable(),
  content: z.string(),
  /** Images the contact sent, each read at GET …/conversations/{id}/images/{fileId}. */
  images: z.array(z.object({ fileId: z.uuid(), mediaType: z.string() })),
  /** When the other side read it: an operator for the contact's messages, the contact for replies. */
  readAt: z.iso.datetime().nullable(),
  /**
   * `stopped`: a reply cut short (a person took the conversation while the AI wrote it): what it says is
   * not the AI's whole answer, and the widget shows it so.
   */
  status: z.enum(['streaming', 'complete', 'stopped', 'error']),
  createdAt: z.iso.datetime(),
  /** The titles of the knowledge sources an AI reply cites; its `[n]` markers are taken out of `content`. */
  sources: z.array(z.string()),
});
export type WidgetMessageView = z.infer<typeof widgetMessageSchema>;

export const widgetConversationSchema = z.object({
  id: z.uuid(),
  status: z.enum(supportStatuses),
  operatorName: z.string().nullable().describe('The person who has the conversation, once one took it'),
  canRate: z.boolean().describe('Resolved, CSAT on, and not rated yet'),
  isRated: z
    .boolean()
    .describe('Resolved and rated: the panel thanks the visitor, and their next message starts a new conversation'),
  createdAt: z.iso.datetime(),
});
export type WidgetConversationView = z.infer<typeof widgetConversationSchema>;

export const conversationParams = z.strictObject({ id: z.uuid('must be a conversation id (UUID)') });

export const sendMessageBody = z.strictObject({
  content: z.string().trim().min(1, 'must not be empty').max(4000),
  /** The widget's own id for this message: a resend with the same one stores nothing new. */
  clientMessageId: z.string().min(1).max(100),
});

export const sendMessageResultSchema = z.object({
  message: widgetMessageSchema,
  conversation: widgetConversationSchema,
  /** The AI's reply being written, streamed on …/events; null when nobody's model answers. */
  replyId: z.uuid().nullable(),
  /** Set when a person was asked for outside the business hours: when one is back. */
  personBackAt: z.iso.datetime().nullable(),
  isReplay: z.boolean().describe('True when this clientMessageId was sent before: nothing new was stored'),
});

export const handoffResultSchema = z.object({
  conversation: widgetConversationSchema,
  personBackAt: z.iso.datetime().nullable(),
});

export const csatBody = z.strictObject({
  rating: z.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  comment: z.string().trim().max(2000).optional(),
});

export const csatResultSchema = z.object({
  rating: z.number().int(),
  comment: z.string().nullable(),
  ratedFor: z.enum(['operator', 'ai']),
});

export const contactDetailsBody = patchBody({
  email: z.email('must be an email address').max(254).optional(),
  name: z.string().trim().min(1).max(100).optional(),
});

export const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

const authorOf = (role: StoredMessage['role'], model: string | null): WidgetMessageView['author'] => {
  if (role === 'user') return 'contact';
  if (role === 'system') return 'system';
  // A reply no model wrote is a person's (the operator side stores its replies as assistant messages).
  return model === null ? 'operator' : 'ai';
};

/**
 * What a contact sees of a chat message: its text and author, never models, tokens, tools or passages;
 * an AI reply's cited sources by title, or none, as its inbox's `citations` says.
 */
export function presentWidgetMessage(message: StoredMessage, citations: CitationMode): WidgetMessageView {
  const author = authorOf(message.role, message.model);
  return {
    id: message.id,
    author,
    authorName: author === 'operator' ? (message.authorName ?? null) : null,
    ...(author === 'ai'
      ? citedForContact(message.content, message.citations, citations)
      : { content: message.content, sources: [] }),
    images: imagesOf(message.attachments),
    readAt: message.readAt?.toISOString() ?? null,
    status: widgetStatusOf(message),
    createdAt: message.createdAt.toISOString(),
  };
}

/**
 * A message's state as the contact may know it: a reply stopped midway is `stopped`, as in every view
 * (conversations' message-outcome.ts); the states a contact has no use for (pending, awaiting an
 * approval) read as `complete`.
 */
export function widgetStatusOf(message: MessageOutcome): WidgetMessageView['status'] {
  const shown = shownStatusOf(message);
  return shown === 'streaming' || shown === 'error' || shown === 'stopped' ? shown : 'complete';
}

/** A message's images as the widget names them: the id and type, never where they are stored. */
export const imagesOf = (attachments: readonly StoredAttachment[] | null | undefined): WidgetMessageView['images'] =>
  (attachments ?? [])
    .filter((attachment) => attachment.mediaType.startsWith('image/'))
    .map((attachment) => ({ fileId: attachment.fileId, mediaType: attachment.mediaType }));

export const imageParams = z.strictObject({
  id: z.uuid('must be a conversation id (UUID)'),
  fileId: z.uuid('must be an image id (UUID)'),
});

export const markReadBody = z.strictObject({
  /** This message and every earlier one from the other side are marked read. */
  upToMessageId: z.uuid('must be a message id (a UUID) of this conversation'),
});

export const readResultSchema = z.object({
  readThroughMessageId: z.uuid(),
  readAt: z.iso.datetime(),
});
