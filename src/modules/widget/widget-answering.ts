import type { Actor } from '../../access/actor.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { newId } from '../../platform/ids.js';
import { parseModelRef } from '../../ai/model-ref.js';
import type { ChatTurnHandle } from '../chat/index.js';
import type { StoredSupportConversation } from '../inbox/support/support.repository.js';
import { isOpenAt, nextOpening } from '../inbox/inboxes/business-hours.js';
import type { Visitor } from './widget-sessions.js';
import type { WidgetServiceDeps } from './widget.service.js';
import { handoverLine } from './handover-line.js';
import { isNoAnswerReply, whoAnswers } from './who-answers.js';

/**
 * When the AI cannot help: the turn failed, the offline model was given passages and cited none (it
 * found nothing: its only way to say so), or a model replied the inbox's "no answer" form. A real model
 * that answers without citing has still answered: a greeting, a question back or an answer from its own
 * knowledge is not a reason to hand over; it hands over by calling `handoff_to_human` (handoff-tool.ts)
 * or by replying that form.
 */
const couldNotHelp = (handle: ChatTurnHandle, noAnswerReply: string) =>
  new Promise<boolean>((resolve) => {
    let sawSources = false;
    const stop = handle.subscribe((event) => {
      if (event.type === 'sources') sawSources = true;
      if (event.type === 'error') resolve(true);
      if (event.type === 'finished') {
        const { model, citations, content } = event.assistantMessage;
        const offlineFoundNothing = model !== null && isOfflineModel(model) && sawSources && citations.length === 0;
        resolve(offlineFoundNothing || isNoAnswerReply(content, noAnswerReply));
      }
    });
    void handle.outcome.then((outcome) => {
      stop();
      resolve(outcome.error !== undefined);
    });
  });

const isOfflineModel = (modelRef: string) => parseModelRef(modelRef)?.kind === 'offline';

/**
 * Who answers a contact's message, and what follows: the AI in `bot` (unless asked for a person in
 * words), nobody's model in `pending` or `open`; a handover when asked or when the AI cannot help.
 */
interface OwnConversation {
  readonly conversation: StoredSupportConversation;
  readonly chatConversationId: string;
}

export function createWidgetAnswering(
  deps: Pick<
    WidgetServiceDeps,
    'db' | 'repository' | 'support' | 'chat' | 'announceMessage' | 'messageEvents' | 'recordTopic' | 'now'
  >,
  visitorSide: {
    readonly widgetActor: (tenantId: string) => Promise<Actor>;
  },
) {
  const { widgetActor } = visitorSide;
  const { db, repository, support } = deps;
  const now = deps.now ?? (() => new Date());

  async function writeMessage(
    visitor: Visitor,
    chatConversationId: string,
    role: 'user' | 'system',
    content: string,
    attachments: StoredAttachment[] = [],
    clientMessageId?: string,
  ) {
    // Its insert logs it: `message.created` and any mail are read from the log (ADR 27).
    const message = await repository.insertMessage(db, {
      // A resend of the contact's message fails on the conversation's unique client id (widget.service.ts).
      ...(clientMessageId && { clientMessageId }),
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
    deps.messageEvents?.stored(visitor.tenantId);
    deps.announceMessage(visitor.tenantId, message);
    return message;
  }

  /** When a person is next at work, if nobody is now. */
  const closedUntil = (visitor: Visitor): Date | null => {
    const hours = visitor.inbox.businessHours;
    return isOpenAt(hours, now()) ? null : (nextOpening(hours, now()) ?? null);
  };

  /** Asks for a person (once); outside the business hours the contact is told when one is back. */
  async function handOver(visitor: Visitor, id: string, chatConversationId: string, reason: string) {
    await support.change(visitor.tenantId, id, { kind: 'contact' }, { action: 'request_human', reason });
    const hours = visitor.inbox.businessHours;
    const backAt = isOpenAt(hours, now()) ? undefined : nextOpening(hours, now());
    await writeMessage(visitor, chatConversationId, 'system', handoverLine(backAt));
    return backAt ?? null;
  }

  /** After the AI's reply: if it could not help, hand over or stay, as the inbox says. */
  function followReply(visitor: Visitor, id: string, chatConversationId: string, handle: ChatTurnHandle): void {
    if (visitor.inbox.onAiFailure !== 'handover') return;
    void couldNotHelp(handle, visitor.inbox.noAnswerReply)
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

  /**
   * `own`: the visitor's conversation as its caller already read it (one read fewer per message);
   * `heldBackReason`: why the channel does not let the AI answer this one (whoAnswers);
   * `clientMessageId`: the contact's id of the message, which the database stores at most once — with the
   * message for a person, as the turn's Idempotency-Key for the AI — so a resend after a commit whose answer
   * was lost stores nothing new.
   */
  async function answer(
    visitor: Visitor,
    own: OwnConversation,
    content: string,
    images: StoredAttachment[] = [],
    sent: { heldBackReason?: string | undefined; clientMessageId?: string | undefined } = {},
  ) {
    const { heldBackReason, clientMessageId } = sent;
    const { conversation, chatConversationId } = own;
    const { id } = conversation;
    const status = await statusForNewMessage(visitor, conversation);
    const answerer = whoAnswers(
      status,
      content,
      { hasAgent: visitor.inbox.agentId !== null, keywords: visitor.inbox.handoffKeywords },
      heldBackReason,
    );
    if (answerer.kind === 'ai') {
      const actor = await widgetActor(visitor.tenantId);
      // Images reach the model as chat attachments do: file parts after the text (files/attachment-parts.ts).
      const fileIds = images.map((image) => image.fileId);
      const handle = await deps.chat.sendMessage(
        actor,
        chatConversationId,
        { content, ...(fileIds.length > 0 && { fileIds }) },
        clientMessageId && `widget:${chatConversationId}:${clientMessageId}`,
      );
      followReply(visitor, id, chatConversationId, handle);
      return { messageId: handle.userMessage.id, replyId: handle.assistantMessageId, personBackAt: null };
    }
    const message = await writeMessage(visitor, chatConversationId, 'user', content, images, clientMessageId);
    // A human-only inbox asked what this is about (the widget's askTopic): the first answer is the queue's line.
    if (status === 'pending' && !conversation.summary) await deps.recordTopic?.(visitor.tenantId, id, content);
    // Waiting for a person outside the business hours (a human-only inbox's every message): say when one is back.
    const personBackAt =
      answerer.kind === 'handover'
        ? await handOver(visitor, id, chatConversationId, answerer.reason)
        : status === 'pending'
          ? closedUntil(visitor)
          : null;
    return { messageId: message.id, replyId: null, personBackAt };
  }

  return { answer, handOver };
}
