import { expect } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import { eventually } from '../harness/chat-setup.js';
import type { SignedIn } from '../harness/actors.js';

export interface WebhookAnswer {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: string[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly secret: string;
}

export interface DeliveryAnswer {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: 'pending' | 'delivering' | 'succeeded' | 'failed';
  readonly attempts: number;
  readonly responseStatus: number | null;
  readonly durationMs: number | null;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

/** Settings that make retries take milliseconds instead of minutes. */
export const fastRetries = { OUTBOUND_ALLOW: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_MAX_ATTEMPTS: '4' };

export async function createWebhook(app: App, user: SignedIn, body: object): Promise<WebhookAnswer> {
  const response = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: user.headers, payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** A contact made through the API: each makes a `contact.created` event. */
export async function createContact(app: App, user: SignedIn, name: string): Promise<void> {
  const response = await app.inject({ method: 'POST', url: '/v1/contacts', headers: user.headers, payload: { name } });
  expect(response.statusCode, response.body).toBe(201);
}

export async function listDeliveries(app: App, user: SignedIn, webhookId: string): Promise<DeliveryAnswer[]> {
  const response = await app.inject({
    method: 'GET',
    url: `/v1/webhooks/${webhookId}/deliveries?limit=100`,
    headers: user.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

/** Polls the delivery log until a delivery of that event type is finished (succeeded or failed). */
export async function waitForFinishedDelivery(
  app: App,
  user: SignedIn,
  webhookId: string,
  predicate: (delivery: DeliveryAnswer) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<DeliveryAnswer> {
  return eventually(
    async () => {
      const deliveries = await listDeliveries(app, user, webhookId);
      return deliveries.find(
        (delivery) => predicate(delivery) && (delivery.status === 'succeeded' || delivery.status === 'failed'),
      );
    },
    timeoutMs,
    50,
  );
}
