import type { Database } from '../../platform/db/client.js';
import type { MessageView } from '../conversations/index.js';
import type { ApiChannelRepository, SupportContext } from './api-channel.repository.js';

/** Who wrote a message, as a contact's channel shows it: the AI, or the operator by the name the contact saw. */
export interface MessageAuthor {
  readonly kind: 'contact' | 'ai' | 'operator' | 'system';
  readonly name: string | null;
}

export function authorOfMessage(message: Pick<MessageView, 'role' | 'author'>): MessageAuthor {
  if (message.role === 'user') return { kind: 'contact', name: null };
  if (message.role === 'system') return { kind: 'system', name: null };
  return message.author ? { kind: 'operator', name: message.author.name } : { kind: 'ai', name: null };
}

interface SupportEventData {
  readonly message?: Pick<MessageView, 'conversationId' | 'role' | 'author'>;
  readonly supportConversation?: { readonly id: string };
  readonly rating?: { readonly supportConversationId: string };
}

/**
 * Adds `support` (the support conversation, its inbox, and its contact with the tenant's external id)
 * to the events of support conversations, and the author to a message's: what a bridge on the API
 * channel needs to send a reply on to the right person. Events of plain chats are left as they are.
 */
export function createSupportEventContext(
  db: Database,
  repository: Pick<ApiChannelRepository, 'contextOfChat' | 'contextOfSupport'>,
) {
  return async function addSupportContext(tenantId: string, data: object): Promise<object> {
    const event = data as SupportEventData;
    const supportConversationId = event.supportConversation?.id ?? event.rating?.supportConversationId;
    let context: SupportContext | undefined;
    if (supportConversationId) context = await repository.contextOfSupport(db, tenantId, supportConversationId);
    else if (event.message) context = await repository.contextOfChat(db, tenantId, event.message.conversationId);
    if (!context) return data;
    const author = event.message ? { author: authorOfMessage(event.message) } : {};
    return { ...data, support: { ...context, ...author } };
  };
}
