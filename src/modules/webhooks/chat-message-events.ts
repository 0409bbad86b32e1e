import { announcedMessage, type LogReader } from '../conversations/index.js';
import type { Executor } from '../../platform/db/client.js';
import type { WebhookEvents } from './webhook-event-types.js';
import type { WebhooksRepository } from './webhooks.repository.js';

/**
 * `message.created`, read from the conversations' log (ADR 27): every message stored, and every reply once
 * it ended complete or stopped (conversations' `announcedMessage`), whichever path stored it — chat turns,
 * operators' replies, the widget's and the API channel's lines, proactive messages, split replies' bubbles.
 * Its event row is written in the transaction that moves the reader's cursor, keyed by the message id, so
 * a message is announced once however often a pass is repeated. Only the tenants with an enabled endpoint
 * asking for the type are read at all. Messages in a support conversation get its conversation, contact,
 * inbox and author added when the event is relayed (the widget module's enricher).
 */
export function messageCreatedReader(events: WebhookEvents, repository: WebhooksRepository): LogReader {
  return {
    name: 'webhooks',
    only: repository.messagesOfListeningTenants(),
    handle: async (tx, logged) => {
      for (const event of logged) {
        const message = announcedMessage(event);
        if (message) await events.emit(tx, event.tenantId, 'message.created', { message }, { key: message.id });
      }
    },
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
