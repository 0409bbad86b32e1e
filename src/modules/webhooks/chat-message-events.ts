import type { MessageEvents, MessageView } from '../conversations/index.js';
import type { Executor } from '../../platform/db/client.js';
import type { WebhookEvents } from './webhook-event-types.js';

/**
 * `message.created` for one stored message: the one place every path announces a message from (chat
 * turns, operators' replies, the widget's and the API channel's lines, proactive messages), each in the
 * transaction that stores the message. Keyed by the message id, so announcing it twice sends it once.
 * Messages in a support conversation get its conversation, contact, inbox and author added when the
 * event is relayed (the widget module's enricher).
 */
export function emitMessageCreated(
  executor: Executor,
  events: WebhookEvents,
  tenantId: string,
  message: MessageView,
): Promise<void> {
  return events.emit(executor, tenantId, 'message.created', { message }, { key: message.id });
}

/**
 * The port chat and the companion store their messages through (conversations' `MessageEvents`): a
 * chat turn's user message with the turn, its reply once stored complete (a stopped one too; a failed
 * one, or one awaiting a tool approval, is not announced until a retry or the approval completes it),
 * each bubble of a split reply as it is stored, a proactive message with its insert.
 */
export function messageCreatedEvents(events: WebhookEvents): MessageEvents {
  return {
    isWanted: (tenantId) => events.isWanted(tenantId, 'message.created'),
    record: (tx, tenantId, message) => emitMessageCreated(tx, events, tenantId, message),
  };
}

/** `conversation.created` for a chat conversation, in the transaction that inserts it. */
export function emitConversationCreated(
  tx: Executor,
  events: WebhookEvents,
  tenantId: string,
  conversation: { readonly id: string },
): Promise<void> {
  return events.emit(tx, tenantId, 'conversation.created', { conversation }, { key: conversation.id });
}
