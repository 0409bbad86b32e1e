import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import type { ConversationsService } from './conversations.service.js';
import type { HistoryWindow, MessagesRepository } from './messages.repository.js';
import { presentMessage, type MessageHistoryQuery, type MessageHistoryView } from './messages.schemas.js';

export interface MessagesServiceDeps {
  readonly db: Database;
  readonly repository: MessagesRepository;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
}

export function createMessagesService(deps: MessagesServiceDeps) {
  const { db, repository, conversations } = deps;

  return {
    /** A page of history, oldest first, with the cursors to walk to older or newer messages. */
    async listHistory(actor: Actor, conversationId: string, query: MessageHistoryQuery): Promise<MessageHistoryView> {
      await conversations.findVisible(actor, conversationId);
      const window: HistoryWindow = query.after
        ? { kind: 'after', messageId: query.after }
        : query.before
          ? { kind: 'before', messageId: query.before }
          : { kind: 'latest' };
      const rows = await repository.listWindow(db, actor.tenantId, conversationId, window, query.limit);
      const hasMore = rows.length > query.limit;
      // The extra row lies beyond the page: before it for latest/before windows, after it for after windows.
      const page = window.kind === 'after' ? rows.slice(0, query.limit) : rows.slice(-query.limit);
      const first = page[0]?.id ?? null;
      const last = page.at(-1)?.id ?? null;
      return {
        items: page.map(presentMessage),
        olderCursor: window.kind === 'after' ? first : hasMore ? first : null,
        newerCursor: window.kind === 'after' ? (hasMore ? last : null) : window.kind === 'before' ? last : null,
      };
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
