import { idParams, noContent, pageOf, pageQuery } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import {
  caseInput,
  caseParams,
  caseSchema,
  fromConversationBody,
  importBody,
  importResultSchema,
  setInput,
  setPatch,
  setSchema,
} from './evaluation-sets.schemas.js';
import type { EvaluationSetsService } from './evaluation-sets.service.js';

const tags = ['evaluations'];
const security = [{ bearer: [] }];
const config = { access: 'authenticated' } as const;

export function registerEvaluationSetsRoutes(app: App, service: EvaluationSetsService): void {
  app.post('/v1/evaluation-sets', {
    config,
    schema: { tags, security, summary: 'Make an evaluation set', body: setInput, response: { 201: setSchema } },
    handler: async (request, reply) => reply.status(201).send(await service.createSet(actorOf(request), request.body)),
  });

  app.get('/v1/evaluation-sets', {
    config,
    schema: {
      tags,
      security,
      summary: "The tenant's evaluation sets, newest first",
      querystring: pageQuery,
      response: { 200: pageOf(setSchema) },
    },
    handler: (request) => service.listSets(actorOf(request), request.query),
  });

  app.get('/v1/evaluation-sets/:id', {
    config,
    schema: { tags, security, summary: 'One evaluation set', params: idParams, response: { 200: setSchema } },
    handler: (request) => service.getSet(actorOf(request), request.params.id),
  });

  app.patch('/v1/evaluation-sets/:id', {
    config,
    schema: {
      tags,
      security,
      summary: 'Rename a set or change its description',
      params: idParams,
      body: setPatch,
      response: { 200: setSchema },
    },
    handler: (request) => service.updateSet(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/evaluation-sets/:id', {
    config,
    schema: {
      tags,
      security,
      summary: 'Delete a set and its cases (runs keep what they read)',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.deleteSet(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.get('/v1/evaluation-sets/:id/cases', {
    config,
    schema: {
      tags,
      security,
      summary: "A set's cases, newest first",
      params: idParams,
      querystring: pageQuery,
      response: { 200: pageOf(caseSchema) },
    },
    handler: (request) => service.listCases(actorOf(request), request.params.id, request.query),
  });

  app.post('/v1/evaluation-sets/:id/cases', {
    config,
    schema: {
      tags,
      security,
      summary: 'Add a case: a question (or a short conversation) and what a good answer does',
      params: idParams,
      body: caseInput,
      response: { 201: caseSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await service.addCase(actorOf(request), request.params.id, request.body)),
  });

  app.post('/v1/evaluation-sets/:id/cases/from-conversation', {
    config,
    schema: {
      tags,
      security,
      summary:
        "Save a chat or desk conversation's question as a case, with what its reply cited and whether it handed over",
      params: idParams,
      body: fromConversationBody,
      response: { 201: caseSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await service.caseFromConversation(actorOf(request), request.params.id, request.body)),
  });

  app.put('/v1/evaluation-sets/:id/cases/:caseId', {
    config,
    schema: {
      tags,
      security,
      summary: 'Change a case (runs keep the case as they read it)',
      params: caseParams,
      body: caseInput,
      response: { 200: caseSchema },
    },
    handler: (request) => service.replaceCase(actorOf(request), request.params.id, request.params.caseId, request.body),
  });

  app.delete('/v1/evaluation-sets/:id/cases/:caseId', {
    config,
    schema: { tags, security, summary: 'Remove a case', params: caseParams, response: { 204: noContent } },
    handler: async (request, reply) => {
      await service.deleteCase(actorOf(request), request.params.id, request.params.caseId);
      return reply.status(204).send(null);
    },
  });

  app.post('/v1/evaluation-sets/:id/imports', {
    config,
    schema: {
      tags,
      security,
      summary: 'Import cases from JSONL or CSV: all of them, or none with every problem named',
      params: idParams,
      body: importBody,
      response: { 200: importResultSchema },
    },
    handler: (request) => service.importCases(actorOf(request), request.params.id, request.body),
  });
}
