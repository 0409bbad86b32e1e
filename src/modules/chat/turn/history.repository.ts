import { and, desc, eq, gt, lt, ne, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { conversationSummaries, messages } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { maxMessageChars } from '../chat.schemas.js';

/** A message as a prompt's history holds it. */
export type HistoryMessage = Pick<typeof messages.$inferSelect, 'id' | 'role' | 'content' | 'attachments'>;

/** The newest summary of a conversation before a message: the last message it covers, and its text. */
export interface SummaryMark {
  readonly lastMessageId: string;
  readonly content: string;
}

/**
 * How much of the past is read for a prompt: at most `limit` messages, none read longer than `maxChars`,
 * and only those after `afterMessageId` when it is set (the end of a summary).
 */
export interface HistoryReadBounds {
  readonly limit: number;
  readonly maxChars: number;
  readonly afterMessageId?: string | undefined;
}

/** What a model sees of the past: the user's messages and complete, non-empty replies before a message. */
export const historyBefore = (
  tenantId: string | Placeholder<'tenantId'>,
  conversationId: string | Placeholder,
  messageId: string | Placeholder,
): SQL =>
  inTenant(
    messages,
    tenantId,
    eq(messages.conversationId, conversationId),
    lt(messages.id, messageId),
    ne(messages.content, ''),
    or(eq(messages.role, 'user'), eq(messages.status, 'complete')),
  );

/**
 * A history message's text, cut one character past what could be sent: a message over the history's
 * budget is only ever sent when it is the newest, which is a user's message, never longer than
 * `maxMessageChars` (chooseWindow, history-window.ts); an older one read cut is never sent.
 * Reading the 10 MB replies of one conversation whole held 3.3 GB for 200 turns at once, in an audit.
 */
export const historyContent = (readChars: number | Placeholder) =>
  sql<string>`left(${messages.content}, ${readChars}::int)`;
/** The longest history message that can be sent (CHAT_HISTORY_MAX_CHARS, or a user's longest message). */
export const longestSentChars = (maxChars: number): number => Math.max(maxChars, maxMessageChars);
/** One character past it: a message read this long was read cut, and is never sent. */
export const historyReadChars = (maxChars: number): number => longestSentChars(maxChars) + 1;

/**
 * The newest summary that ends before a message. Read with every turn's history in the same statement
 * (storeTurn, chat-turn.repository.ts; the `(conversation_id, last_message_id)` index answers it), so
 * choosing the window from where the summary ends costs no round trip. Its text has an alias of its own:
 * the history's columns sit beside it in that statement's outer select.
 */
export const newestSummaryBefore = (
  db: Executor,
  tenantId: string | Placeholder<'tenantId'>,
  conversationId: string | Placeholder,
  messageId: string | Placeholder,
) =>
  db
    .select({
      lastMessageId: conversationSummaries.lastMessageId,
      content: sql<string>`${conversationSummaries.content}`.as('summary_content'),
    })
    .from(conversationSummaries)
    .where(
      inTenant(
        conversationSummaries,
        tenantId,
        eq(conversationSummaries.conversationId, conversationId),
        lt(conversationSummaries.lastMessageId, messageId),
      ),
    )
    .orderBy(desc(conversationSummaries.lastMessageId))
    .limit(1);

/** A prompt's history read on its own: a retry's, a continued reply's, and the messages after a lagging summary. */
export function createHistoryRepository() {
  return {
    /**
     * The last `limit` messages before `beforeMessageId` (and after `afterMessageId`) worth sending to a
     * model: the user's, and the assistant's complete, non-empty replies (failed or unfinished ones
     * would mislead it).
     */
    async recentHistory(
      db: Executor,
      tenantId: string,
      conversationId: string,
      beforeMessageId: string,
      bounds: HistoryReadBounds,
    ): Promise<HistoryMessage[]> {
      const rows = await db
        .select({
          id: messages.id,
          role: messages.role,
          content: historyContent(historyReadChars(bounds.maxChars)),
          attachments: messages.attachments,
        })
        .from(messages)
        .where(
          and(
            historyBefore(tenantId, conversationId, beforeMessageId),
            bounds.afterMessageId === undefined ? undefined : gt(messages.id, bounds.afterMessageId),
          ),
        )
        .orderBy(desc(messages.id))
        .limit(bounds.limit);
      return rows.reverse();
    },

    /** The conversation's newest summary that ends before a message (a retry's, a continued reply's). */
    async summaryBefore(
      db: Executor,
      tenantId: string,
      conversationId: string,
      beforeMessageId: string,
    ): Promise<SummaryMark | undefined> {
      const [row] = await newestSummaryBefore(db, tenantId, conversationId, beforeMessageId);
      return row;
    },
  };
}

export type HistoryRepository = ReturnType<typeof createHistoryRepository>;
