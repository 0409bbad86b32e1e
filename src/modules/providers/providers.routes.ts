import { tenantAdminAccess as access } from '../../access/require-access.js';
import { idParams, noContent, pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import {
  createProviderBody,
  modelChoicesSchema,
  providerPageSchema,
  providerSchema,
  updateProviderBody,
} from './providers.schemas.js';
import type { ProvidersService } from './providers.service.js';

const tags = ['providers'];
const security = [{ bearer: [] }];

export function registerProvidersRoutes(app: App, service: ProvidersService): void {
  app.get('/v1/providers', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "List the tenant's model providers",
      querystring: pageQuery,
      response: { 200: providerPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.get('/v1/providers/models', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'The model references an agent can use in your tenant (for model pickers), and the default model',
      response: { 200: modelChoicesSchema },
    },
    handler: (request) => service.listModelChoices(actorOf(request)),
  });

  app.post('/v1/providers', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Add a model provider; its API key is stored encrypted and never shown again',
      body: createProviderBody,
      response: { 201: providerSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/providers/:id', {
    config: { access },
    schema: { tags, security, summary: 'Get a model provider', params: idParams, response: { 200: providerSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/providers/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Change a model provider (send apiKey: null to remove the stored key)',
      params: idParams,
      body: updateProviderBody,
      response: { 200: providerSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/providers/:id', {
    config: { access },
    schema: { tags, security, summary: 'Remove a model provider', params: idParams, response: { 204: noContent } },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
