import { getTableColumns } from 'drizzle-orm';
import { messages } from '../../platform/db/schema/index.js';
import type { FeedEvent } from './conversation-log-feed.repository.js';
import { presentMessage, type MessageView } from './messages.schemas.js';

type MessageRow = typeof messages.$inferSelect;
const messageColumns = Object.entries(getTableColumns(messages));

/** A message row the log holds as JSON (`to_jsonb` of the row), typed as the driver would read it. */
export function messageOfLogPayload(payload: Record<string, unknown>): MessageRow {
  const row: Record<string, unknown> = {};
  for (const [field, column] of messageColumns) {
    const value = payload[column.name];
    row[field] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as MessageRow;
}

/**
 * The message a logged event announces to the world outside (webhooks' `message.created`, a reply's
 * mail): a message stored, or a reply once it ended complete or stopped. A reply being written, one that
 * failed, or one waiting for a tool's approval is not announced; its retry or approval ends it again, and
 * that event announces it. The one rule every reader of the log across conversations applies.
 */
export function announcedMessage(event: Pick<FeedEvent, 'type' | 'payload'>): MessageView | undefined {
  if (event.type !== 'message-created' && event.type !== 'reply-settled') return undefined;
  if (event.payload.status !== 'complete' || event.payload.role === 'system') return undefined;
  return presentMessage(messageOfLogPayload(event.payload));
}

/** The log's events that can announce a message, as SQL on `e` (the readers' `only`). */
export const announcingEventTypes = ['message-created', 'reply-settled'] as const;
