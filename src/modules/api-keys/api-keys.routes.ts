import { idParams, noContent, pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { apiKeyPageSchema, createApiKeyBody, createdApiKeySchema } from './api-keys.schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

const tags = ['api-keys'];
const security = [{ bearer: [] }];
const access = 'authenticated';

export function registerApiKeysRoutes(app: App, service: ApiKeysService): void {
  app.get('/v1/api-keys', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "List API keys (yours; an admin sees all of the tenant's). Secrets are never shown again",
      querystring: pageQuery,
      response: { 200: apiKeyPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/api-keys', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Create an API key; the response is the only time the key is shown',
      body: createApiKeyBody,
      response: { 201: createdApiKeySchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.delete('/v1/api-keys/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Delete an API key; it stops working at once',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
