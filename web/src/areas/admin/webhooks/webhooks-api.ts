/** The event types an endpoint may ask for, as the server lists them (docs/integrations.md). */
export const webhookEventTypes = [
  'conversation.created',
  'conversation.status_changed',
  'message.created',
  'handoff.requested',
  'conversation.target_breached',
  'conversation.updated',
  'rule.matched',
  'csat.submitted',
  'contact.created',
  'contact.updated',
  'document.ready',
  'document.failed',
  'budget.threshold_reached',
  'evaluation.completed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** A webhook endpoint as `/v1/webhooks` shows it: never its secret. */
export interface Webhook {
  id: string;
  url: string;
  description: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  disabledReason: string | null;
  secretRotatedAt: string;
  createdAt: string;
  updatedAt: string;
}

/** Only the answers to create and rotate carry the secret, once. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivering' | 'succeeded' | 'failed';
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  responseExcerpt: string | null;
  error: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
}

export const webhooksPath = '/admin/webhooks';
export const webhooksQueryKey = ['webhooks'] as const;
export const webhookQueryKey = (id: string) => ['webhooks', id] as const;
export const deliveriesQueryKey = (id: string) => ['webhooks', id, 'deliveries'] as const;
