import type { TurnAnnouncement } from '../chat/index.js';
import type { ConversationChange } from '../conversations/index.js';
import type { WebhookEvents } from './webhook-event-types.js';

/**
 * `message.created` for a chat turn: the user's message as the turn starts (it is stored by then), the
 * AI's reply once it is stored complete. Keyed by message id, so a retried reply (which runs the turn
 * again for the same user message) announces that message once, and a reply that failed and was then
 * retried to completion is announced when it completes.
 */
export function emitTurnMessages(events: WebhookEvents, turn: TurnAnnouncement): void {
  const { tenantId, handle } = turn;
  void events.emit(tenantId, 'message.created', { message: handle.userMessage }, { key: handle.userMessage.id });
  void handle.outcome.then((outcome) => {
    if (outcome.assistantMessage.status !== 'complete') return;
    // A split reply is several stored messages: each is announced, in order (docs/companion.md).
    const messages = [outcome.assistantMessage, ...(outcome.laterBubbles ?? [])];
    return messages.reduce<Promise<unknown>>(
      (previous, message) =>
        previous.then(() => events.emit(tenantId, 'message.created', { message }, { key: message.id })),
      Promise.resolve(),
    );
  });
}

/** `conversation.created` for a chat conversation. */
export function emitConversationChange(events: WebhookEvents, change: ConversationChange): void {
  if (change.kind !== 'created') return;
  const { conversation } = change;
  void events.emit(change.tenantId, 'conversation.created', { conversation }, { key: conversation.id });
}
