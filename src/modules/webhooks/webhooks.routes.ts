import { tenantAdminAccess } from '../../access/require-access.js';
import { idParams, noContent, pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import {
  createWebhookBody,
  deliveryPageSchema,
  deliveryParams,
  deliverySchema,
  updateWebhookBody,
  webhookPageSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';

const tags = ['webhooks'];
const security = [{ bearer: [] }];
const config = { access: tenantAdminAccess };

export function registerWebhooksRoutes(app: App, service: WebhooksService): void {
  app.get('/v1/webhooks', {
    config,
    schema: {
      tags,
      security,
      summary: "The tenant's webhook endpoints",
      querystring: pageQuery,
      response: { 200: webhookPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/webhooks', {
    config,
    schema: {
      tags,
      security,
      summary: 'Register a webhook endpoint; the answer carries its signing secret, shown this once',
      body: createWebhookBody,
      response: { 201: webhookWithSecretSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/webhooks/:id', {
    config,
    schema: { tags, security, summary: 'Get a webhook endpoint', params: idParams, response: { 200: webhookSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/webhooks/:id', {
    config,
    schema: {
      tags,
      security,
      summary: 'Change a webhook endpoint (enabling it again clears why it was disabled)',
      params: idParams,
      body: updateWebhookBody,
      response: { 200: webhookSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/webhooks/:id', {
    config,
    schema: {
      tags,
      security,
      summary: 'Delete a webhook endpoint and its delivery log',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/v1/webhooks/:id/secret', {
    config,
    schema: {
      tags,
      security,
      summary: 'Replace the signing secret; the answer carries the new one, shown this once',
      params: idParams,
      response: { 200: webhookWithSecretSchema },
    },
    handler: (request) => service.rotateSecret(actorOf(request), request.params.id),
  });

  app.post('/v1/webhooks/:id/test', {
    config,
    schema: {
      tags,
      security,
      summary: 'Send a `webhook.test` event to this endpoint (even when it is disabled)',
      params: idParams,
      response: { 202: deliverySchema },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await service.sendTest(actorOf(request), request.params.id)),
  });

  app.get('/v1/webhooks/:id/deliveries', {
    config,
    schema: {
      tags,
      security,
      summary: "The endpoint's delivery log, newest first",
      params: idParams,
      querystring: pageQuery,
      response: { 200: deliveryPageSchema },
    },
    handler: (request) => service.deliveries(actorOf(request), request.params.id, request.query),
  });

  app.post('/v1/webhooks/:id/deliveries/:deliveryId/redeliver', {
    config,
    schema: {
      tags,
      security,
      summary: 'Send a finished delivery again, with a new round of retries',
      params: deliveryParams,
      response: { 202: deliverySchema },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await service.redeliver(actorOf(request), request.params.id, request.params.deliveryId)),
  });
}
