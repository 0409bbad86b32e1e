import { z } from 'zod';
import type { webhookDeliveries, webhookEndpoints } from '../../platform/db/schema/index.js';
import { webhookDeliveryStatuses } from '../../platform/db/schema/index.js';
import { httpUrl, pageOf, patchBody } from '../../platform/http/common-schemas.js';
import { webhookEventTypes } from './webhook-event-types.js';

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const eventTypesSchema = z
  .array(z.enum(webhookEventTypes))
  .min(1, 'must name at least one event type')
  .max(webhookEventTypes.length)
  .refine((types) => new Set(types).size === types.length, 'must name each event type once');

const descriptionSchema = z.string().trim().max(500);

export const createWebhookBody = z.strictObject({
  url: httpUrl,
  eventTypes: eventTypesSchema,
  description: descriptionSchema.default(''),
  enabled: z.boolean().default(true),
});
export type CreateWebhookInput = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = patchBody({
  url: httpUrl.optional(),
  eventTypes: eventTypesSchema.optional(),
  description: descriptionSchema.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookInput = z.infer<typeof updateWebhookBody>;

export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.enum(webhookEventTypes)),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe('Set when the server disabled the endpoint because it kept failing'),
  secretRotatedAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type WebhookView = z.infer<typeof webhookSchema>;

export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z.string().describe('The signing secret (whsec_…): shown in this answer only'),
});
export const webhookPageSchema = pageOf(webhookSchema);

export const presentWebhook = (row: EndpointRow): WebhookView => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: row.eventTypes.filter((type): type is (typeof webhookEventTypes)[number] =>
    (webhookEventTypes as readonly string[]).includes(type),
  ),
  enabled: row.isEnabled,
  disabledReason: row.disabledReason,
  secretRotatedAt: row.secretRotatedAt.toISOString(),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const deliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });

export const deliverySchema = z.object({
  id: z.uuid(),
  webhookId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  status: z.enum(webhookDeliveryStatuses),
  attempts: z.number().int(),
  responseStatus: z.number().int().nullable().describe("The receiver's HTTP status on the last attempt"),
  durationMs: z.number().int().nullable(),
  responseExcerpt: z.string().nullable().describe("The start of the receiver's answer on the last attempt"),
  error: z.string().nullable().describe('Why the last attempt failed, when it did'),
  nextAttemptAt: z.iso.datetime().nullable().describe('When it is tried again (pending deliveries only)'),
  lastAttemptAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type DeliveryView = z.infer<typeof deliverySchema>;
export const deliveryPageSchema = pageOf(deliverySchema);

export const presentDelivery = (row: DeliveryRow & { eventType: string }): DeliveryView => ({
  id: row.id,
  webhookId: row.endpointId,
  eventId: row.eventId,
  eventType: row.eventType,
  status: row.status,
  attempts: row.attempts,
  responseStatus: row.responseStatus,
  durationMs: row.durationMs,
  responseExcerpt: row.responseExcerpt,
  error: row.error,
  nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
  lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});
