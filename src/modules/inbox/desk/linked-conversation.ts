import type { Database } from '../../../platform/db/client.js';
import { notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { DeskMessagesRepository } from './desk-messages.repository.js';

export interface LinkedConversationDeps {
  readonly db: Database;
  readonly repository: Pick<
    DeskMessagesRepository,
    'findDeskUser' | 'insertDeskUser' | 'lockSupportConversation' | 'insertConversation' | 'linkConversation'
  >;
}

/**
 * The tenant's desk user: the owner of every chat conversation behind a support conversation (ADR 16).
 * A disabled member without a password, made on first use, so it can never sign in, and members' lists
 * of their own conversations never show a contact's.
 */
export async function ensureDeskUser(deps: LinkedConversationDeps, tenantId: string): Promise<string> {
  const found = await deps.repository.findDeskUser(deps.db, tenantId);
  if (found) return found;
  await deps.repository.insertDeskUser(deps.db, tenantId, newId());
  const made = await deps.repository.findDeskUser(deps.db, tenantId);
  if (!made) throw new Error(`the desk user of tenant ${tenantId} could not be made`);
  return made;
}

/**
 * The chat conversation that carries a support conversation's messages, made and linked on first use:
 * owned by the desk user, answered by the inbox's agent. The widget (the contact's first message) and an
 * operator's first reply both call this; the row lock makes two callers at once link one conversation.
 */
export async function ensureLinkedConversation(
  deps: LinkedConversationDeps,
  tenantId: string,
  supportConversationId: string,
): Promise<string> {
  const ownerId = await ensureDeskUser(deps, tenantId);
  return deps.db.transaction(async (tx) => {
    const support = await deps.repository.lockSupportConversation(tx, tenantId, supportConversationId);
    if (!support) throw notFound('Support conversation', supportConversationId);
    if (support.conversationId) return support.conversationId;
    const conversationId = newId();
    await deps.repository.insertConversation(tx, {
      id: conversationId,
      tenantId,
      ownerId,
      agentId: support.agentId,
      title: 'Support conversation',
    });
    await deps.repository.linkConversation(tx, tenantId, supportConversationId, conversationId);
    return conversationId;
  });
}
