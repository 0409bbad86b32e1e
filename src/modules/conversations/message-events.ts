import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import type { MessageView } from './messages.schemas.js';

/**
 * What follows a message's commit outside the conversation (the webhooks' `message.created`, a reply's
 * mail): handed in at wiring, so the modules that store messages (chat, companion, the desk) do not know
 * those readers. They read what happened from the conversation's log (ADR 27), which the message's own
 * statement wrote; this only tells them to look now rather than at their next poll. It writes nothing.
 */
export interface MessageEvents {
  /** Messages of the tenant were stored and committed. */
  stored(tenantId: string): void;
}

/**
 * Runs `store` (in a transaction of its own when it asks for one) and, when it stored messages that are
 * announced (`announced` picks them from its result), tells the log's readers.
 */
export async function storeAnnounced<T>(
  deps: { readonly db: Database; readonly messageEvents?: MessageEvents | undefined },
  tenantId: string,
  store: (executor: Executor) => Promise<T>,
  announced: (stored: T) => readonly MessageView[],
  options: { readonly needsTransaction?: boolean } = {},
): Promise<T> {
  const stored = options.needsTransaction ? await transaction(deps.db, store) : await store(deps.db);
  if (announced(stored).length > 0) deps.messageEvents?.stored(tenantId);
  return stored;
}
