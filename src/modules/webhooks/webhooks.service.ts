import { randomBytes } from 'node:crypto';
import type { Actor } from '../../access/actor.js';
import { requireAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import { conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import { encryptSecret } from '../../platform/secrets.js';
import type { DeliveryScheduler } from './delivery-scheduler.js';
import type { WebhookOutbox } from './webhook-outbox.js';
import type { EndpointChanges, StoredEndpoint, WebhooksRepository } from './webhooks.repository.js';
import {
  presentDelivery,
  presentWebhook,
  type CreateWebhookInput,
  type DeliveryView,
  type UpdateWebhookInput,
  type WebhookView,
} from './webhooks.schemas.js';

export interface WebhooksServiceDeps {
  readonly db: Database;
  readonly repository: WebhooksRepository;
  readonly outbox: Pick<WebhookOutbox, 'sendTest'>;
  readonly scheduler: DeliveryScheduler;
  /** Checks a URL as deliveries will be checked, so a refused address is named when it is registered. */
  readonly outbound: Pick<OutboundHttp, 'assertAllowed'>;
  /** Seals the signing secrets at rest, as provider keys are (platform/secrets.ts). */
  readonly credentialsKey: Buffer;
  /** After an endpoint is made, changed or deleted: every node reads again which event types are worth storing. */
  readonly onEndpointsChanged?: (tenantId: string) => void;
}

type WithSecret = WebhookView & { secret: string };

/** The Standard Webhooks form: `whsec_` and 24 random bytes in base64, which its libraries take as the key. */
const newSigningSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

export function createWebhooksService(deps: WebhooksServiceDeps) {
  const { db, repository, credentialsKey } = deps;

  async function findEndpoint(actor: Actor, id: string): Promise<StoredEndpoint> {
    requireAdmin(actor);
    const endpoint = await repository.findEndpoint(db, actor.tenantId, id);
    if (!endpoint) throw notFound('Webhook', id);
    return endpoint;
  }

  const sealed = (secret: string) => ({
    encryptedSecret: encryptSecret(credentialsKey, secret),
    secretRotatedAt: new Date(),
  });

  return {
    async list(actor: Actor, page: PageRequest): Promise<Page<WebhookView>> {
      requireAdmin(actor);
      return toPage(await repository.listEndpoints(db, actor.tenantId, page), page.limit, presentWebhook);
    },

    async get(actor: Actor, id: string): Promise<WebhookView> {
      return presentWebhook(await findEndpoint(actor, id));
    },

    async create(actor: Actor, input: CreateWebhookInput): Promise<WithSecret> {
      requireAdmin(actor);
      await deps.outbound.assertAllowed(input.url);
      const secret = newSigningSecret();
      const endpoint = await repository.insertEndpoint(db, {
        id: newId(),
        tenantId: actor.tenantId,
        url: input.url,
        description: input.description,
        eventTypes: input.eventTypes,
        isEnabled: input.enabled,
        ...sealed(secret),
      });
      deps.onEndpointsChanged?.(actor.tenantId);
      return { ...presentWebhook(endpoint), secret };
    },

    /** Enabling an endpoint (again) clears why it was disabled and starts its count of failures afresh. */
    async update(actor: Actor, id: string, input: UpdateWebhookInput): Promise<WebhookView> {
      await findEndpoint(actor, id);
      if (input.url !== undefined) await deps.outbound.assertAllowed(input.url);
      const changes: EndpointChanges = {
        ...(input.url !== undefined && { url: input.url }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.eventTypes !== undefined && { eventTypes: input.eventTypes }),
        ...(input.enabled !== undefined && { isEnabled: input.enabled, disabledReason: null }),
        ...(input.enabled === true && { consecutiveFailedEvents: 0, failingSince: null }),
      };
      const updated = await repository.updateEndpoint(db, actor.tenantId, id, changes);
      if (!updated) throw notFound('Webhook', id);
      deps.onEndpointsChanged?.(actor.tenantId);
      return presentWebhook(updated);
    },

    /** The old secret stops at once: deliveries from now on are signed with the new one only. */
    async rotateSecret(actor: Actor, id: string): Promise<WithSecret> {
      await findEndpoint(actor, id);
      const secret = newSigningSecret();
      const updated = await repository.updateEndpoint(db, actor.tenantId, id, sealed(secret));
      if (!updated) throw notFound('Webhook', id);
      return { ...presentWebhook(updated), secret };
    },

    async remove(actor: Actor, id: string): Promise<void> {
      requireAdmin(actor);
      if (!(await repository.deleteEndpoint(db, actor.tenantId, id))) throw notFound('Webhook', id);
      deps.onEndpointsChanged?.(actor.tenantId);
    },

    async deliveries(actor: Actor, id: string, page: PageRequest): Promise<Page<DeliveryView>> {
      await findEndpoint(actor, id);
      return toPage(await repository.listDeliveries(db, actor.tenantId, id, page), page.limit, presentDelivery);
    },

    async sendTest(actor: Actor, id: string): Promise<DeliveryView> {
      await findEndpoint(actor, id);
      const deliveryId = await deps.outbox.sendTest(actor.tenantId, id);
      const delivery = deliveryId && (await repository.findDelivery(db, actor.tenantId, id, deliveryId));
      if (!delivery) throw notFound('Webhook', id);
      return presentDelivery(delivery);
    },

    /** Sends a finished delivery again (a new round of retries); 409 while it is still being tried. */
    async redeliver(actor: Actor, id: string, deliveryId: string): Promise<DeliveryView> {
      await findEndpoint(actor, id);
      const current = await repository.findDelivery(db, actor.tenantId, id, deliveryId);
      if (!current) throw notFound('Delivery', deliveryId);
      if (!(await repository.requeueDelivery(db, actor.tenantId, id, deliveryId))) {
        throw conflict(`Delivery '${deliveryId}' is still being tried; wait for it to succeed or fail, then redeliver`);
      }
      await deps.scheduler.schedule(deliveryId, actor.tenantId, current.attempts);
      const requeued = await repository.findDelivery(db, actor.tenantId, id, deliveryId);
      return presentDelivery(requeued ?? current);
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
