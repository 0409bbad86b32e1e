import type { TurnAnnouncement } from '../chat/index.js';
import type { ConversationChange, MessageView } from '../conversations/index.js';
import type { Database, Executor } from '../../platform/db/client.js';
import type { WebhookEvents } from './webhook-event-types.js';

/**
 * `message.created` for one stored message: the one place every path announces a message from (chat
 * turns, operators' replies, the widget's and the API channel's lines, proactive messages). Keyed by the
 * message id, so announcing it twice sends it once. Messages in a support conversation get its
 * conversation, contact, inbox and author added when the event is stored (`supportMessageContext`).
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
 * `message.created` for a chat turn: the user's message as the turn starts (it is stored by then), the
 * AI's reply once it is stored complete. Keyed by message id, so a retried reply (which runs the turn
 * again for the same user message) announces that message once, and a reply that failed and was then
 * retried to completion is announced when it completes.
 */
export function emitTurnMessages(db: Database, events: WebhookEvents, turn: TurnAnnouncement): void {
  const { tenantId, handle } = turn;
  void emitMessageCreated(db, events, tenantId, handle.userMessage);
  void handle.outcome.then((outcome) => {
    if (outcome.assistantMessage.status !== 'complete') return;
    // A split reply is several stored messages: each is announced, in order (docs/companion.md).
    const messages = [outcome.assistantMessage, ...(outcome.laterBubbles ?? [])];
    return messages.reduce<Promise<unknown>>(
      (previous, message) => previous.then(() => emitMessageCreated(db, events, tenantId, message)),
      Promise.resolve(),
    );
  });
}

/** `conversation.created` for a chat conversation. */
export function emitConversationChange(db: Database, events: WebhookEvents, change: ConversationChange): void {
  if (change.kind !== 'created') return;
  const { conversation } = change;
  void events.emit(db, change.tenantId, 'conversation.created', { conversation }, { key: conversation.id });
}
