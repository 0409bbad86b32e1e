import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import type { MessageView } from './messages.schemas.js';

/**
 * How a stored message is announced (the webhooks' `message.created`), handed in at wiring so the
 * modules that store messages (chat, companion) do not know the webhooks module. The announcement is
 * written in the transaction that stores the message: both commit, or neither does (ADR 20).
 */
export interface MessageEvents {
  /** Whether the tenant's messages are announced at all: when not, no transaction is opened to hold one. */
  isWanted(tenantId: string): Promise<boolean>;
  /** Writes the message's announcement with `tx`, the transaction that stores it. */
  record(tx: Executor, tenantId: string, message: MessageView): Promise<void>;
}

/**
 * Runs `store` and announces the messages it stored (`announced` picks them from its result), in one
 * transaction. A tenant whose messages nobody listens to pays for no transaction: `store` runs on the
 * database itself, as one statement does, unless it asks for a transaction of its own.
 */
export async function storeAnnounced<T>(
  deps: { readonly db: Database; readonly messageEvents?: MessageEvents | undefined },
  tenantId: string,
  store: (executor: Executor) => Promise<T>,
  announced: (stored: T) => readonly MessageView[],
  options: { readonly needsTransaction?: boolean } = {},
): Promise<T> {
  const events = deps.messageEvents;
  const isWanted = events !== undefined && (await events.isWanted(tenantId));
  if (!isWanted && !options.needsTransaction) return store(deps.db);
  return transaction(deps.db, async (tx) => {
    const stored = await store(tx);
    // In order: a split reply's bubbles are announced as they are stored.
    if (isWanted) for (const message of announced(stored)) await events.record(tx, tenantId, message);
    return stored;
  });
}
