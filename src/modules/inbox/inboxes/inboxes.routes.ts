import { tenantAdminAccess } from '../../../access/require-access.js';
import { idParams, noContent, pageQuery } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import {
  createInboxBody,
  inboxPageSchema,
  inboxSchema,
  inboxWithSecretSchema,
  updateInboxBody,
} from './inboxes.schemas.js';
import type { InboxesService } from './inboxes.service.js';
import { supportDeskAccess } from '../support/support-access.js';

const tags = ['inboxes'];
const security = [{ bearer: [] }];

export function registerInboxesRoutes(app: App, service: InboxesService): void {
  app.get('/v1/inboxes', {
    config: { access: supportDeskAccess },
    schema: {
      tags,
      security,
      summary: "The tenant's inboxes",
      querystring: pageQuery,
      response: { 200: inboxPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/inboxes', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Create an inbox; the answer carries its signing secret, shown this once',
      body: createInboxBody,
      response: { 201: inboxWithSecretSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/inboxes/:id', {
    config: { access: supportDeskAccess },
    schema: { tags, security, summary: 'Get an inbox', params: idParams, response: { 200: inboxSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/inboxes/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Change an inbox',
      params: idParams,
      body: updateInboxBody,
      response: { 200: inboxSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.post('/v1/inboxes/:id/signing-secret', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Replace the signing secret; the answer carries the new one, shown this once',
      params: idParams,
      response: { 200: inboxWithSecretSchema },
    },
    handler: (request) => service.rotateSigningSecret(actorOf(request), request.params.id),
  });

  app.delete('/v1/inboxes/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Delete an inbox with its conversations',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
