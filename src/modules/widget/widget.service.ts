import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import type { StoredSupportConversation } from '../inbox/support.repository.js';
import type { SupportService } from '../inbox/index.js';
import type { ChatService, ChatTurnHandle } from '../chat/index.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import type { FilesService } from '../files/index.js';
import type { Upload } from '../knowledge/document-upload.js';
import { presentWidgetTexts } from '../inbox/widget-texts.js';
import { isOpenAt, nextOpening } from './business-hours.js';
import type { Visitor } from './widget-sessions.js';
import { whoAnswers } from './who-answers.js';
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
  readonly now?: () => Date;
}

const maxConversations = 20;

/** When the AI cannot help: the turn failed, or it was given passages and cited none (the offline model found nothing). */
const couldNotHelp = (handle: ChatTurnHandle) =>
  new Promise<boolean>((resolve) => {
    let sawSources = false;
    const stop = handle.subscribe((event) => {
      if (event.type === 'sources') sawSources = true;
      if (event.type === 'error') resolve(true);
      if (event.type === 'finished') resolve(sawSources && event.assistantMessage.citations.length === 0);
    });
    void handle.outcome.then((outcome) => {
      stop();
      resolve(outcome.error !== undefined);
    });
  });

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

  async function present(
    visitor: Visitor,
    conversation: StoredSupportConversation,
    operatorName: string | null,
  ): Promise<WidgetConversationView> {
    const canRate =
      conversation.status === 'resolved' &&
      visitor.inbox.isCsatEnabled &&
      !(await repository.findRating(db, visitor.tenantId, conversation.id));
    return {
      id: conversation.id,
      status: conversation.status,
      operatorName: conversation.assigneeId ? (operatorName ?? 'Support') : null,
      canRate,
      createdAt: conversation.createdAt.toISOString(),
    };
  }

  async function reload(visitor: Visitor, id: string) {
    const found = await findOwn(visitor, id);
    return present(visitor, found.conversation, found.operatorName);
  }

  async function writeMessage(
    visitor: Visitor,
    chatConversationId: string,
    role: 'user' | 'system',
    content: string,
    attachments: StoredAttachment[] = [],
  ) {
    const message = await repository.insertMessage(db, {
      id: newId(),
      tenantId: visitor.tenantId,
      conversationId: chatConversationId,
      role,
      content,
      ...(attachments.length > 0 && { attachments }),
      status: 'complete',
      createdAt: now(),
      completedAt: now(),
    });
    deps.announceMessage(visitor.tenantId, message);
    return message;
  }

  /** Asks for a person (once); outside the business hours the contact is told when one is back. */
  async function handOver(visitor: Visitor, id: string, chatConversationId: string, reason: string) {
    await support.change(visitor.tenantId, id, { kind: 'contact' }, { action: 'request_human', reason });
    const hours = visitor.inbox.businessHours;
    const backAt = isOpenAt(hours, now()) ? undefined : nextOpening(hours, now());
    await writeMessage(
      visitor,
      chatConversationId,
      'system',
      backAt
        ? `A person was asked for. Nobody is at work now; someone is back at ${backAt.toISOString()}. Leave your email to hear back.`
        : 'A person was asked for and will join shortly.',
    );
    return backAt ?? null;
  }

  /** After the AI's reply: if it could not help, hand over or stay, as the inbox says. */
  function followReply(visitor: Visitor, id: string, chatConversationId: string, handle: ChatTurnHandle): void {
    if (visitor.inbox.onAiFailure !== 'handover') return;
    void couldNotHelp(handle)
      .then((isStuck) => (isStuck ? handOver(visitor, id, chatConversationId, 'the AI could not answer') : null))
      // The contact or an operator changed the conversation meanwhile: theirs is the newer word.
      .catch(() => undefined);
  }

  /** A resolved conversation the contact writes to is reopened, a snoozed one woken; others stay. */
  async function statusForNewMessage(visitor: Visitor, conversation: StoredSupportConversation) {
    if (conversation.status === 'resolved') {
      const reopened = await support.change(
        visitor.tenantId,
        conversation.id,
        { kind: 'contact' },
        {
          action: 'contact_message',
          reason: 'the contact wrote again',
        },
      );
      return reopened.status;
    }
    if (conversation.status === 'snoozed') {
      const woken = await support.change(
        visitor.tenantId,
        conversation.id,
        { kind: 'system' },
        {
          action: 'wake',
          reason: 'the contact wrote',
        },
      );
      return woken.status;
    }
    return conversation.status;
  }

  async function answer(visitor: Visitor, id: string, content: string, images: StoredAttachment[] = []) {
    const { conversation, chatConversationId } = await findOwn(visitor, id);
    const status = await statusForNewMessage(visitor, conversation);
    const answerer = whoAnswers(status, content, {
      hasAgent: visitor.inbox.agentId !== null,
      keywords: visitor.inbox.handoffKeywords,
    });
    if (answerer.kind === 'ai') {
      const actor = await widgetActor(visitor.tenantId);
      // Images reach the model as chat attachments do: file parts after the text (files/attachment-parts.ts).
      const fileIds = images.map((image) => image.fileId);
      const handle = await deps.chat.sendMessage(actor, chatConversationId, {
        content,
        ...(fileIds.length > 0 && { fileIds }),
      });
      followReply(visitor, id, chatConversationId, handle);
      return { messageId: handle.userMessage.id, replyId: handle.assistantMessageId, personBackAt: null };
    }
    const message = await writeMessage(visitor, chatConversationId, 'user', content, images);
    const personBackAt =
      answerer.kind === 'handover' ? await handOver(visitor, id, chatConversationId, answerer.reason) : null;
    return { messageId: message.id, replyId: null, personBackAt };
  }

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
      return { items: rows.map(presentWidgetMessage) };
    },

    /**
     * Stores the contact's message and lets the right party answer it: the AI in `bot` (unless asked
     * for a person in words), nobody's model in `pending` or `open`. Idempotent on `clientMessageId`.
     */
    async send(visitor: Visitor, id: string, input: { content: string; clientMessageId: string }) {
      await findOwn(visitor, id);
      const { tenantId } = visitor;
      if (!(await repository.claimClientMessage(db, tenantId, id, input.clientMessageId))) {
        const claim = await repository.findClaim(db, tenantId, id, input.clientMessageId);
        const earlier = claim?.messageId ? await repository.findMessage(db, tenantId, claim.messageId) : undefined;
        if (!earlier) throw conflict('This message is still being sent; retry it in a moment');
        return {
          message: presentWidgetMessage(earlier),
          conversation: await reload(visitor, id),
          replyId: null,
          personBackAt: null,
          isReplay: true,
        };
      }
      let result: Awaited<ReturnType<typeof answer>>;
      try {
        result = await answer(visitor, id, input.content);
      } catch (error) {
        await repository.dropUnsettledClaim(db, tenantId, id, input.clientMessageId);
        throw error;
      }
      await repository.settleClaim(db, tenantId, id, input.clientMessageId, result.messageId);
      const message = await repository.findMessage(db, tenantId, result.messageId);
      return {
        message: presentWidgetMessage(message!),
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
      await findOwn(visitor, id);
      const image = await deps.files.uploadImage(await widgetActor(visitor.tenantId), openUpload, deps.imageMaxBytes);
      const result = await answer(visitor, id, '', [image]);
      const message = await repository.findMessage(db, visitor.tenantId, result.messageId);
      return {
        message: presentWidgetMessage(message!),
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

    /** The contact's rating of a resolved conversation, with who answered it; once, and only if the inbox asks. */
    async rate(visitor: Visitor, id: string, input: { rating: number; comment?: string | undefined }) {
      const { conversation } = await findOwn(visitor, id);
      if (!visitor.inbox.isCsatEnabled) {
        throw new AppError('unprocessable', 'This inbox does not ask for ratings (CSAT is off)');
      }
      if (conversation.status !== 'resolved') {
        throw conflict(`Conversation '${id}' is not resolved yet; rate it once it is`);
      }
      const operatorId = conversation.assigneeId ?? (await repository.lastAssigneeOf(db, visitor.tenantId, id)) ?? null;
      const isStored = await repository.insertRating(db, {
        supportConversationId: id,
        tenantId: visitor.tenantId,
        rating: input.rating,
        comment: input.comment ?? null,
        operatorId,
        isAiOnly: operatorId === null,
      });
      if (!isStored) throw conflict(`Conversation '${id}' was already rated`);
      return {
        rating: input.rating,
        comment: input.comment ?? null,
        ratedFor: operatorId ? 'operator' : 'ai',
      } as const;
    },

    /** For the live stream: the conversation's chat conversation and current state. */
    findOwn,
    present,
    /** The tenant's desk user, as whom the widget writes and reads the chat conversation. */
    widgetActor,
  };
}

export type WidgetService = ReturnType<typeof createWidgetService>;
