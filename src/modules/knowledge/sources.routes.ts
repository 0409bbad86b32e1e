import { tenantAdminAccess } from '../../access/require-access.js';
import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import type { SourcesService } from './sources.service.js';
import {
  createSourceBody,
  listSourcesQuery,
  sourcePageSchema,
  sourceSchema,
  updateSourceBody,
} from './sources.schemas.js';

const tags = ['knowledge'];
const security = [{ bearer: [] }];

export function registerSourcesRoutes(app: App, service: SourcesService): void {
  app.get('/v1/knowledge-sources', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "The tenant's knowledge sources, newest first",
      querystring: listSourcesQuery,
      response: { 200: sourcePageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/knowledge-sources', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Create a knowledge source (its embedding model and chunking apply to every document in it)',
      body: createSourceBody,
      response: { 201: sourceSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/knowledge-sources/:id', {
    config: { access: 'authenticated' },
    schema: { tags, security, summary: 'One knowledge source', params: idParams, response: { 200: sourceSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/knowledge-sources/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Change a knowledge source; a new embedding model or chunking re-queues every document',
      params: idParams,
      body: updateSourceBody,
      response: { 200: sourceSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/knowledge-sources/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Delete a knowledge source with its documents, chunks and stored files',
      description:
        'The source is gone at once: it answers 404, search and agents no longer use it, and its name is free. ' +
        'Its rows and stored files are removed in the background shortly after.',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
