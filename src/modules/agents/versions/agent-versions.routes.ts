import { idParams, noContent } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import { agentSchema } from '../agents.schemas.js';
import {
  diffQuery,
  diffSchema,
  saveDraftBody,
  versionListQuery,
  versionPageSchema,
  versionParams,
  versionSchema,
} from './agent-versions.schemas.js';
import type { AgentVersionsService } from './agent-versions.service.js';

const tags = ['agents'];
const security = [{ bearer: [] }];
const access = 'authenticated';

/** An agent's versions: for its owner and administrators, who may read its instructions. */
export function registerAgentVersionsRoutes(app: App, service: AgentVersionsService): void {
  app.get('/v1/agents/:id/versions', {
    config: { access },
    schema: {
      tags,
      security,
      summary:
        "An agent's versions, newest first: which is published, which is the draft, who saved each and what it changed",
      params: idParams,
      querystring: versionListQuery,
      response: { 200: versionPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.params.id, request.query),
  });

  app.get('/v1/agents/:id/versions/:number', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'One version of an agent, with its settings',
      params: versionParams,
      response: { 200: versionSchema },
    },
    handler: (request) => service.get(actorOf(request), request.params.id, request.params.number),
  });

  app.get('/v1/agents/:id/versions/:number/diff', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'What changed from one version to another (by default from the published one), field by field',
      params: versionParams,
      querystring: diffQuery,
      response: { 200: diffSchema },
    },
    handler: (request) =>
      service.diff(actorOf(request), request.params.id, request.params.number, request.query.against),
  });

  app.post('/v1/agents/:id/versions/:number/publish', {
    config: { access },
    schema: {
      tags,
      security,
      summary:
        'Publish a version: the draft, or an earlier one to roll back. Conversations use it from their next turn',
      params: versionParams,
      response: { 200: agentSchema },
    },
    handler: (request) => service.publish(actorOf(request), request.params.id, request.params.number),
  });

  app.get('/v1/agents/:id/draft', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "The agent's draft (404 when it has none)",
      params: idParams,
      response: { 200: versionSchema },
    },
    handler: (request) => service.draft(actorOf(request), request.params.id),
  });

  app.put('/v1/agents/:id/draft', {
    config: { access },
    schema: {
      tags,
      security,
      summary:
        'Save a draft: the settings sent, on top of the draft (or the published settings); conversations keep the published version',
      params: idParams,
      body: saveDraftBody,
      response: { 200: versionSchema },
    },
    handler: (request) => service.saveDraft(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/agents/:id/draft', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "Drop the agent's draft (it stays in the history)",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.discardDraft(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
