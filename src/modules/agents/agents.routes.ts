import { idParams, noContent, pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { agentPageSchema, agentSchema, createAgentBody, updateAgentBody } from './agents.schemas.js';
import type { AgentsService } from './agents.service.js';
import { toolCatalogSchema } from './tool-catalog.js';

const tags = ['agents'];
const security = [{ bearer: [] }];
const access = 'authenticated';

export function registerAgentsRoutes(app: App, service: AgentsService): void {
  app.get('/v1/agents', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "The agents you can use: the tenant's shared ones and your private ones (admins see all)",
      querystring: pageQuery,
      response: { 200: agentPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/agents', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Create an agent (members create private agents; admins may share with the tenant)',
      body: createAgentBody,
      response: { 201: agentSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/agents/tool-catalog', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "The tools an agent may be given: Parley's built-ins and the tenant's MCP tools (for the agent editor)",
      response: { 200: toolCatalogSchema },
    },
    handler: (request) => service.toolCatalog(actorOf(request)),
  });

  app.get('/v1/agents/:id', {
    config: { access },
    schema: { tags, security, summary: 'Get an agent', params: idParams, response: { 200: agentSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/agents/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Change an agent (its owner or an admin)',
      params: idParams,
      body: updateAgentBody,
      response: { 200: agentSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/agents/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Delete an agent (its owner or an admin)',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
