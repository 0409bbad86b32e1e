import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { transaction } from '../../platform/db/after-commit.js';
import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import type { StoredSupportConversation } from '../inbox/support/support.repository.js';
import type { SupportService } from '../inbox/index.js';
import type { ChatService } from '../chat/index.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import type { WebhookEvents } from '../webhooks/index.js';
import type { FilesService } from '../files/index.js';
import type { MessageEvents } from '../conversations/index.js';
import { isStorageQuotaRefusal } from '../storage-quota/index.js';
import type { Upload } from '../knowledge/document-upload.js';
import { presentWidgetTexts } from '../inbox/inboxes/widget-texts.js';
import { isOpenAt, nextOpening } from '../inbox/inboxes/business-hours.js';
import type { Visitor } from './widget-sessions.js';
import { createWidgetAnswering } from './widget-answering.js';
import type { StoredMessage, WidgetRepository } from './widget.repository.js';
import {
  presentWidgetMessage,
  type PublicInboxView,
  type WidgetConversationView,
  type WidgetMessageView,
} from './widget.schemas.js';
import type { StoredWidgetInbox } from './widget.repository.js';

export interface WidgetServiceDeps {
  readonly db: Database;
  readonly repository: WidgetRepository;
  readonly support: Pick<SupportService, 'change' | 'createForContact'>;
  readonly chat: Pick<ChatService, 'sendMessage'>;
  /** Images from visitors, stored as chat attachments of the desk user (the files module). */
  readonly files: Pick<FilesService, 'uploadImage' | 'openContent'>;
  readonly imageMaxBytes: number;
  /** The tenant's desk user (the inbox module), who owns the chat conversations behind support conversations. */
  readonly deskUserOf: (tenantId: string) => Promise<string>;
  /** Tells live watchers (the widget's stream, operators' sockets) of a message written without a model. */
  readonly announceMessage: (tenantId: string, message: StoredMessage) => void;
  /** Told once such a message is stored (the log's readers: its `message.created` webhook, its mail). */
  readonly messageEvents?: MessageEvents | undefined;
  /** A waiting conversation's first message as its summary, where it has none (the inbox module's desk). */
  readonly recordTopic?: (tenantId: string, supportConversationId: string, content: string) => Promise<void>;
  /** `csat.submitted` for each rating. */
  readonly events?: WebhookEvents | undefined;
  readonly now?: () => Date;
}

const maxConversations = 20;

export function createWidgetService(deps: WidgetServiceDeps) {
  const { db, repository, support } = deps;
  const now = deps.now ?? (() => new Date());
  /** Each tenant's desk user (ADR 18), learnt once per process. */
  const deskUsers = new Map<string, string>();

  async function widgetActor(tenantId: string): Promise<Actor> {
    let userId = deskUsers.get(tenantId);
    if (!userId) {
      userId = await deps.deskUserOf(tenantId);
      deskUsers.set(tenantId, userId);
    }
    return { tenantId, userId, role: 'member', via: 'system' };
  }

  /** One of the visitor's conversations; anyone else's (another contact, inbox or tenant) is a 404. */
  async function findOwn(visitor: Visitor, id: string) {
    const found = await repository.findOwnConversation(db, visitor.tenantId, visitor.inbox.id, visitor.contactId, id);
    if (!found?.conversation.conversationId) throw notFound('Conversation', id);
    return { ...found, chatConversationId: found.conversation.conversationId };
  }

  /** A rating given since the conversation was last resolved: one before it rated an earlier resolution. */
  async function isLatestResolutionRated(visitor: Visitor, conversation: StoredSupportConversation) {
    const rating = await repository.findRating(db, visitor.tenantId, conversation.id);
    return rating !== undefined && rating.createdAt >= conversation.statusChangedAt;
  }

  async function present(
    visitor: Visitor,
    conversation: StoredSupportConversation,
    operatorName: string | null,
  ): Promise<WidgetConversationView> {
    const isRated = conversation.status === 'resolved' && (await isLatestResolutionRated(visitor, conversation));
    return {
      id: conversation.id,
      status: conversation.status,
      operatorName: conversation.assigneeId ? (operatorName ?? 'Support') : null,
      canRate: conversation.status === 'resolved' && visitor.inbox.isCsatEnabled && !isRated,
      isRated,
      createdAt: conversation.createdAt.toISOString(),
    };
  }

  async function reload(visitor: Visitor, id: string) {
    const found = await findOwn(visitor, id);
    return present(visitor, found.conversation, found.operatorName);
  }

  const { answer, handOver } = createWidgetAnswering(deps, { widgetActor });

  return {
    publicInbox(inbox: StoredWidgetInbox): PublicInboxView {
      const at = now();
      const isOpenNow = isOpenAt(inbox.businessHours, at);
      return {
        id: inbox.id,
        title: inbox.widgetTitle,
        color: inbox.widgetColor,
        greeting: inbox.widgetGreeting,
        hasAgent: inbox.agentId !== null,
        csatEnabled: inbox.isCsatEnabled,
        isOpenNow,
        nextOpeningAt: isOpenNow ? null : (nextOpening(inbox.businessHours, at)?.toISOString() ?? null),
        texts: presentWidgetTexts(inbox.widgetTexts),
      };
    },

    async list(visitor: Visitor) {
      const rows = await repository.listOfContact(
        db,
        visitor.tenantId,
        visitor.inbox.id,
        visitor.contactId,
        maxConversations,
      );
      return { items: await Promise.all(rows.map((row) => reload(visitor, row.id))) };
    },

    /** A new conversation with its chat conversation, owned by the tenant's desk user (ADR 18). */
    async create(visitor: Visitor): Promise<WidgetConversationView> {
      const actor = await widgetActor(visitor.tenantId);
      const chatConversationId = newId();
      await repository.insertChatConversation(db, {
        id: chatConversationId,
        tenantId: visitor.tenantId,
        ownerId: actor.userId,
        agentId: visitor.inbox.agentId,
        title: `Support: ${visitor.inbox.name}`,
      });
      const created = await support.createForContact(visitor.tenantId, {
        inboxId: visitor.inbox.id,
        contactId: visitor.contactId,
        conversationId: chatConversationId,
        hasAgent: visitor.inbox.agentId !== null,
      });
      return present(visitor, created, null);
    },

    get: reload,

    async messages(visitor: Visitor, id: string): Promise<{ items: WidgetMessageView[] }> {
      const { chatConversationId } = await findOwn(visitor, id);
      const rows = await repository.listMessages(db, visitor.tenantId, chatConversationId);
      return { items: rows.map((row) => presentWidgetMessage(row, visitor.inbox.citations)) };
    },

    /**
     * Stores the contact's message and lets the right party answer it: the AI in `bot` (unless asked
     * for a person in words, or `heldBackReason` says why not), nobody's model in `pending` or `open`.
     * Idempotent on `clientMessageId`.
     */
    async send(
      visitor: Visitor,
      id: string,
      input: { content: string; clientMessageId: string; attachments?: StoredAttachment[]; heldBackReason?: string },
    ) {
      const own = await findOwn(visitor, id);
      const { tenantId } = visitor;
      const { clientMessageId } = input;
      const replayOf = async (earlier: StoredMessage) => ({
        message: presentWidgetMessage(earlier, visitor.inbox.citations),
        conversation: await reload(visitor, id),
        replyId: null,
        personBackAt: null,
        isReplay: true,
      });
      const isClaimed = await repository.claimClientMessage(db, tenantId, id, clientMessageId);
      if (!isClaimed) {
        const claim = await repository.findClaim(db, tenantId, id, clientMessageId);
        const earlier = claim?.messageId ? await repository.findMessage(db, tenantId, claim.messageId) : undefined;
        if (earlier) return replayOf(earlier);
        // Claimed but not settled: still being sent, or its node stopped after storing it. Sent again, it
        // is stored at most once (the message's unique client id, the turn's Idempotency-Key).
      }
      let result: Awaited<ReturnType<typeof answer>>;
      try {
        // As read before the claim: one read fewer on every message; a change since is the same race as before.
        result = await answer(visitor, own, input.content, input.attachments, {
          heldBackReason: input.heldBackReason,
          clientMessageId,
        });
      } catch (error) {
        // Stored by an earlier send whose answer was lost (a commit the database made as the connection
        // went): that message is the answer.
        const earlier = isUniqueViolation(error, 'messages_client_message_unique')
          ? await repository.findByClientMessageId(db, tenantId, own.chatConversationId, clientMessageId)
          : undefined;
        if (earlier) {
          await repository.settleClaim(db, tenantId, id, clientMessageId, earlier.id);
          return replayOf(earlier);
        }
        if (isClaimed) await repository.dropUnsettledClaim(db, tenantId, id, clientMessageId);
        throw error;
      }
      await repository.settleClaim(db, tenantId, id, clientMessageId, result.messageId);
      const message = await repository.findMessage(db, tenantId, result.messageId);
      return {
        message: presentWidgetMessage(message!, visitor.inbox.citations),
        conversation: await reload(visitor, id),
        replyId: result.replyId,
        personBackAt: result.personBackAt?.toISOString() ?? null,
        isReplay: false,
      };
    },

    /**
     * An image from the visitor, as a message of its own: the conversation is checked before a byte is
     * read, the image stored as a chat attachment (PNG, JPEG, WebP or GIF, under WIDGET_IMAGE_MAX_BYTES),
     * then answered as a written message is (the AI sees the image; nobody's model while a person has it).
     */
    async sendImage(visitor: Visitor, id: string, openUpload: () => Promise<Upload>) {
      const own = await findOwn(visitor, id);
      const image = await deps.files
        .uploadImage(await widgetActor(visitor.tenantId), openUpload, deps.imageMaxBytes)
        .catch((error: unknown) => {
          // A visitor can neither act on the tenant's storage quota nor may learn its figures.
          if (!isStorageQuotaRefusal(error)) throw error;
          throw new AppError(
            'payload_too_large',
            'This support desk cannot take more images right now; describe it in a message instead',
          );
        });
      const result = await answer(visitor, own, '', [image]);
      const message = await repository.findMessage(db, visitor.tenantId, result.messageId);
      return {
        message: presentWidgetMessage(message!, visitor.inbox.citations),
        conversation: await reload(visitor, id),
        replyId: result.replyId,
        personBackAt: result.personBackAt?.toISOString() ?? null,
        isReplay: false,
      };
    },

    /** An image of one of the visitor's own conversations; any other file, even the tenant's, is a 404. */
    async openImage(visitor: Visitor, id: string, fileId: string) {
      const { chatConversationId } = await findOwn(visitor, id);
      if (!(await repository.isImageOf(db, visitor.tenantId, chatConversationId, fileId))) {
        throw notFound('Image', fileId);
      }
      return deps.files.openContent(await widgetActor(visitor.tenantId), fileId);
    },

    /** "Talk to a person": bot → pending; nothing to do when a person was already asked for or has it. */
    async handoff(visitor: Visitor, id: string) {
      const { conversation, chatConversationId } = await findOwn(visitor, id);
      let personBackAt: Date | null = null;
      if (conversation.status === 'bot') {
        personBackAt = await handOver(visitor, id, chatConversationId, 'the contact asked for a person');
      } else if (conversation.status === 'resolved') {
        throw conflict(`Conversation '${id}' is resolved; write a message to open it again`);
      }
      return { conversation: await reload(visitor, id), personBackAt: personBackAt?.toISOString() ?? null };
    },

    /**
     * The contact's rating of a resolved conversation, with who answered it; once per resolution (a
     * conversation reopened and resolved again is rated anew, in place of the earlier rating), and only if
     * the inbox asks.
     */
    async rate(visitor: Visitor, id: string, input: { rating: number; comment?: string | undefined }) {
      const { conversation } = await findOwn(visitor, id);
      if (!visitor.inbox.isCsatEnabled) {
        throw new AppError('unprocessable', 'This inbox does not ask for ratings (CSAT is off)');
      }
      if (conversation.status !== 'resolved') {
        throw conflict(`Conversation '${id}' is not resolved yet; rate it once it is`);
      }
      const operatorId = conversation.assigneeId ?? (await repository.lastAssigneeOf(db, visitor.tenantId, id)) ?? null;
      const rated = {
        rating: input.rating,
        comment: input.comment ?? null,
        ratedFor: operatorId ? 'operator' : 'ai',
      } as const;
      const rating = { supportConversationId: id, ...rated, operatorId, createdAt: now().toISOString() };
      // Its `csat.submitted` commits with the rating (the outbox).
      const isStored = await transaction(db, async (tx) => {
        const resolvedAt = conversation.statusChangedAt;
        const isNew = await repository.upsertRating(
          tx,
          {
            supportConversationId: id,
            tenantId: visitor.tenantId,
            rating: input.rating,
            comment: input.comment ?? null,
            operatorId,
            isAiOnly: operatorId === null,
          },
          resolvedAt,
        );
        // One event per resolution rated: a conversation reopened and rated again is a new rating.
        const key = `${id}:${resolvedAt.toISOString()}`;
        if (isNew) await deps.events?.emit(tx, visitor.tenantId, 'csat.submitted', { rating }, { key });
        return isNew;
      });
      if (!isStored) throw conflict(`Conversation '${id}' was already rated since it was resolved`);
      return rated;
    },

    /** For the live stream: the conversation's chat conversation and current state. */
    findOwn,
    present,
    /** The tenant's desk user, as whom the widget writes and reads the chat conversation. */
    widgetActor,
  };
}

export type WidgetService = ReturnType<typeof createWidgetService>;
