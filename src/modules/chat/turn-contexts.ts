import { createLruCache } from '../../platform/lru-cache.js';
import type { TurnContextRow } from './chat.repository.js';
import type { TurnExpectation } from './turn/turn-store.repository.js';

/**
 * The conversations this node's turns went to, with their agents, as last read: a turn is checked against
 * this copy and its one statement stores it only while what was checked still holds (`expectationOf`,
 * turn-store.repository.ts), so a turn makes one round trip before the model (issue 63). A copy that went
 * stale costs that turn a second try with a fresh read; none is ever trusted past the statement's check,
 * so no change needs telling and no entry expires.
 */
export function createTurnContexts(
  read: (tenantId: string, conversationId: string) => Promise<TurnContextRow | undefined>,
  maxEntries = 2_000,
) {
  const rows = createLruCache<TurnContextRow>(maxEntries);
  const keyOf = (tenantId: string, conversationId: string) => `${tenantId}:${conversationId}`;
  return {
    /** This node's copy if it has one, else read (and kept). `fresh`: read whatever is held. */
    async find(tenantId: string, conversationId: string, fresh = false): Promise<TurnContextRow | undefined> {
      const key = keyOf(tenantId, conversationId);
      const held = fresh ? undefined : rows.get(key);
      if (held) return held;
      const row = await read(tenantId, conversationId);
      if (row) rows.set(key, row);
      else rows.delete(key);
      return row;
    },
    forget(tenantId: string, conversationId: string): void {
      rows.delete(keyOf(tenantId, conversationId));
    },
  };
}

export type TurnContexts = ReturnType<typeof createTurnContexts>;

/** What a turn's statement checks again: the sender owns the conversation, whose agent and desk side are as read. */
export function expectationOf(
  senderId: string,
  context: Pick<TurnContextRow, 'conversation'> & { agent: { id: string; updatedAt: string } },
): TurnExpectation {
  const { conversation, agent } = context;
  return {
    ownerId: senderId,
    agentId: agent.id,
    agentUpdatedAt: agent.updatedAt,
    supportContactId: conversation.isSupport ? (conversation.contactId ?? '') : null,
  };
}
