import { isAdmin, type Actor } from '../../../access/actor.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { presentMessage, type MessageEvents, type MessageView } from '../../conversations/index.js';
import type { ModelResolver, PassageSearch } from '../../chat/index.js';
import { writeDraft, type DeskLine } from './desk-ai.js';
import type { DeskMessagesRepository } from './desk-messages.repository.js';
import { presentDeskMessage, presentEventLine, type DeskMessageView } from './desk.schemas.js';
import { ensureLinkedConversation } from './linked-conversation.js';
import type { StoredSupportConversation, SupportRepository } from '../support/support.repository.js';
import type { SupportService } from '../support/support.service.js';
import type { ReplyClocks } from '../targets/reply-clocks.js';

/** The author shown on the desk's automatic lines (routing rules' canned responses). */
const automaticReplyAuthor = 'Automatic reply';

/** Where the desk's live frames go (the realtime module's publisher). */
export interface DeskPublisher {
  publishMessage(tenantId: string, message: MessageView): void;
  publishToConversation(
    tenantId: string,
    conversationId: string,
    frame: { type: string } & Record<string, unknown>,
  ): void;
  publishToOperators(tenantId: string, frame: { type: string } & Record<string, unknown>): void;
}

export interface OperatorDeskDeps {
  readonly db: Database;
  readonly supportRepository: Pick<SupportRepository, 'find'>;
  readonly repository: DeskMessagesRepository;
  readonly support: Pick<SupportService, 'change'>;
  readonly publisher: DeskPublisher | undefined;
  /**
   * Told once a reply is stored: the log's readers send its `message.created` (a bridge on the API channel
   * sends it on to the contact) and, in an email conversation, its mail.
   */
  readonly messageEvents?: MessageEvents | undefined;
  readonly resolveModel: ModelResolver | undefined;
  readonly knowledgeSearch: PassageSearch | undefined;
  /** Meets the reply-time clocks a reply answers, in the reply's transaction (targets/reply-clocks.ts). */
  readonly replyClocks?: Pick<ReplyClocks, 'afterOperatorReply'> | undefined;
}

/** How much of the conversation the draft reads: the latest lines. */
const draftContextLines = 20;
const passagesForDraft = 4;

export function createOperatorDesk(deps: OperatorDeskDeps) {
  const { db, repository } = deps;

  async function find(tenantId: string, id: string) {
    const found = await deps.supportRepository.find(db, tenantId, id);
    if (!found) throw notFound('Support conversation', id);
    return found.conversation;
  }

  /**
   * Who may reply: the operator it is assigned to, or an administrator. A conversation nobody has yet
   * (`bot`, `pending`) is taken by the reply first, which also stops the AI's reply being written.
   */
  async function ownedForReply(actor: Actor, id: string): Promise<StoredSupportConversation> {
    const current = await find(actor.tenantId, id);
    switch (current.status) {
      case 'bot':
      case 'pending':
        return deps.support.change(
          actor.tenantId,
          id,
          { kind: 'operator', actor },
          { action: 'take', reason: 'replied' },
        );
      case 'resolved':
        throw conflict(`Support conversation '${id}' is resolved; reopen it before replying`);
      case 'open':
      case 'snoozed':
        if (current.assigneeId === actor.userId || isAdmin(actor)) return current;
        throw forbidden(
          `Support conversation '${id}' is assigned to another operator; only they or an administrator can reply (ask them to transfer it)`,
        );
    }
  }

  /** The lines of the conversation, oldest first, for a prompt (never notes, never system lines). */
  async function promptLines(tenantId: string, conversationId: string | null): Promise<DeskLine[]> {
    if (!conversationId) return [];
    const rows = await repository.latestMessages(db, tenantId, conversationId, draftContextLines);
    return rows
      .filter((row) => row.role !== 'system' && row.content.trim() !== '')
      .map((row) => ({
        speaker: row.role === 'user' ? 'contact' : row.authorName !== null ? 'operator' : 'assistant',
        content: row.content,
      }));
  }

  return {
    /**
     * The conversation's messages and its status changes as system lines, oldest first, keyset on id
     * (both are UUID v7, so ids sort by time). Private notes are never among them.
     */
    async listMessages(actor: Actor, id: string, query: { after?: string | undefined; limit: number }) {
      const conversation = await find(actor.tenantId, id);
      const [messageRows, eventRows] = await Promise.all([
        conversation.conversationId
          ? repository.messagesAfter(db, actor.tenantId, conversation.conversationId, query.after, query.limit + 1)
          : Promise.resolve([]),
        repository.eventsAfter(db, actor.tenantId, id, query.after, query.limit + 1),
      ]);
      const lines: DeskMessageView[] = [
        ...messageRows.map(presentDeskMessage),
        ...eventRows.map((row) => presentEventLine(row.event, row.actorName)),
      ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const page = lines.slice(0, query.limit);
      const last = page.at(-1);
      return { items: page, ...(lines.length > query.limit && last && { nextCursor: last.id }) };
    },

    /**
     * An operator's reply: stored in the linked chat conversation as an `assistant` message with its
     * author (the AI never wrote it), and published live to the widget and the other operators.
     */
    async reply(actor: Actor, id: string, input: { content: string; clientMessageId?: string | undefined }) {
      const owned = await ownedForReply(actor, id);
      const conversationId =
        owned.conversationId ?? (await ensureLinkedConversation({ db, repository }, actor.tenantId, id));
      const authorName = await repository.displayNameOf(db, actor.tenantId, actor.userId);
      if (authorName === undefined) throw forbidden('Your account is disabled; sign in again');
      const clientMessageId = input.clientMessageId ?? null;
      if (clientMessageId) {
        const earlier = await repository.findByClientId(db, actor.tenantId, conversationId, clientMessageId);
        if (earlier) return presentDeskMessage(earlier);
      }
      // Its insert logs it: `message.created` and its mail are read from the log (ADR 27). The reply-time
      // clocks it meets commit with it.
      const stored = await transaction(db, async (tx) => {
        const inserted = await repository.insertOperatorReply(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          conversationId,
          content: input.content,
          authorId: actor.userId,
          authorName,
          clientMessageId,
          now: new Date(),
        });
        if (inserted) {
          await deps.replyClocks?.afterOperatorReply(tx, actor.tenantId, id, actor.userId, inserted.createdAt);
        }
        return inserted;
      });
      if (stored) deps.messageEvents?.stored(actor.tenantId);
      // A resend that raced the first: the first one is the reply.
      const row =
        stored ??
        (clientMessageId && (await repository.findByClientId(db, actor.tenantId, conversationId, clientMessageId)));
      if (!row) throw new AppError('internal', 'The reply could not be stored; send it again');
      if (stored) {
        const message = presentMessage(stored);
        deps.publisher?.publishMessage(actor.tenantId, message);
      }
      return presentDeskMessage(row);
    },

    /**
     * A line the desk sends by itself (a routing rule's canned response): stored and published like an
     * operator's reply, with no operator as its author, so it meets no reply-time target. `clientMessageId`
     * makes a repeat store nothing.
     */
    async sendAutomaticReply(tenantId: string, id: string, content: string, clientMessageId: string): Promise<void> {
      const conversation = await find(tenantId, id);
      const conversationId =
        conversation.conversationId ?? (await ensureLinkedConversation({ db, repository }, tenantId, id));
      const stored = await repository.insertOperatorReply(db, {
        id: newId(),
        tenantId,
        conversationId,
        content,
        authorId: null,
        authorName: automaticReplyAuthor,
        clientMessageId,
        now: new Date(),
      });
      if (!stored) return;
      deps.messageEvents?.stored(tenantId);
      deps.publisher?.publishMessage(tenantId, presentMessage(stored));
    },

    /** A draft from the inbox agent's knowledge sources and the conversation; nothing is sent. */
    async suggestReply(actor: Actor, id: string): Promise<{ draft: string }> {
      const conversation = await find(actor.tenantId, id);
      if (!deps.resolveModel) throw new AppError('not_ready', 'Reply suggestions are not available on this server');
      const agent = await repository.inboxAgentOf(db, actor.tenantId, conversation.inboxId);
      const lines = await promptLines(actor.tenantId, conversation.conversationId);
      const question = [...lines].reverse().find((line) => line.speaker === 'contact')?.content;
      if (!question) {
        throw new AppError(
          'unprocessable',
          `Support conversation '${id}' has no message from the contact to answer yet`,
        );
      }
      const resolved = await deps.resolveModel(actor.tenantId, agent?.model ?? '', {
        path: 'reply_suggestion',
        userId: actor.userId,
        contactId: conversation.contactId,
        agentId: agent?.id,
        conversationId: conversation.conversationId,
      });
      const passages =
        agent && agent.knowledgeSourceIds.length > 0 && deps.knowledgeSearch
          ? await deps.knowledgeSearch.search({
              tenantId: actor.tenantId,
              sourceIds: agent.knowledgeSourceIds,
              query: question,
              topK: passagesForDraft,
              mode: 'hybrid',
            })
          : [];
      const draft = await writeDraft(resolved, lines, passages).catch(() => {
        throw new AppError('not_ready', 'The model could not write a draft just now; try again in a moment');
      });
      if (!draft) {
        throw new AppError(
          'unprocessable',
          "Nothing in the inbox agent's knowledge sources matches the contact's question, so there is no draft to offer",
        );
      }
      return { draft };
    },
  };
}

export type OperatorDesk = ReturnType<typeof createOperatorDesk>;
