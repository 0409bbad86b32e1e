import { createHash } from 'node:crypto';
import type { Executor } from '../../platform/db/client.js';

/** The events an endpoint may ask for. `webhook.test` is sent only by the "send test event" action. */
export const webhookEventTypes = [
  'conversation.created',
  'conversation.status_changed',
  'conversation.updated',
  'rule.matched',
  'message.created',
  'handoff.requested',
  'conversation.target_breached',
  'csat.submitted',
  'contact.created',
  'contact.updated',
  'contact.exported',
  'contact.erased',
  'document.ready',
  'document.failed',
  'budget.threshold_reached',
  'evaluation.completed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const testEventType = 'webhook.test';

/** What receivers get as the body: the same for every endpoint and every attempt. */
export interface WebhookPayload {
  readonly id: string;
  readonly type: WebhookEventType | typeof testEventType;
  readonly timestamp: string;
  readonly tenantId: string;
  readonly data: object;
}

export interface EmitOptions {
  /**
   * What makes this event the same event if it is emitted again (a message id, a status change's own
   * id): the event id is derived from it, so a second emit is stored once and delivered once.
   */
  readonly key?: string;
}

/** What other modules call with their change. */
export interface WebhookEvents {
  /**
   * Stores the event with the change: pass the change's transaction, so both commit or neither does
   * (the event is relayed once it commits; a transaction not opened by `platform/db/after-commit.ts`'s
   * `transaction()` leaves that to the sweep, seconds later). Rejects only inside a transaction, whose
   * failed insert has failed it anyway. Given the database itself (a change committed already, with no
   * transaction to join), it never rejects, but a node that dies between the two loses the event.
   */
  emit(
    executor: Executor,
    tenantId: string,
    type: WebhookEventType,
    data: object,
    options?: EmitOptions,
  ): Promise<void>;
  /**
   * Whether an enabled endpoint of the tenant asks for the type (the cached read `emit` makes): a path
   * that would open a transaction only to hold its event asks first, and opens none when nobody listens.
   */
  isWanted(tenantId: string, type: WebhookEventType): Promise<boolean>;
}

/** A UUID (version 8, RFC 9562) from a hash of the tenant, the type and the key: stable across emits and nodes. */
export function stableEventId(tenantId: string, type: string, key: string): string {
  const bytes = createHash('sha256').update(`${tenantId}\n${type}\n${key}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
