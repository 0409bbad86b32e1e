import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { supportDeskAccess } from '../inbox/support/support-access.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { markReadBody, readReceiptSchema, summaryListSchema } from './companion.schemas.js';
import { memoryListSchema, memoryParams, memorySchema, updateMemoryBody } from './memories.schemas.js';
import type { MemoriesService } from './memories.service.js';
import type { ReadReceiptsService } from './read-receipts.service.js';
import type { SummariesService } from './summaries.service.js';

const tags = ['companion'];
const security = [{ bearer: [] }];

export interface CompanionRouteServices {
  readonly readReceipts: ReadReceiptsService;
  readonly summaries: SummariesService;
  readonly memories: MemoriesService;
}

export function registerCompanionRoutes(app: App, services: CompanionRouteServices): void {
  app.post('/v1/conversations/:id/read', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "Mark the other side's messages read, up to and including one message",
      params: idParams,
      body: markReadBody,
      response: { 200: readReceiptSchema },
    },
    handler: (request) => services.readReceipts.markRead(actorOf(request), request.params.id, request.body),
  });

  app.get('/v1/conversations/:id/summaries', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "The conversation's summaries, newest first",
      params: idParams,
      response: { 200: summaryListSchema },
    },
    handler: (request) => services.summaries.list(actorOf(request), request.params.id),
  });

  app.get('/v1/agents/:id/memories', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'What this agent remembers about you, oldest first',
      params: idParams,
      response: { 200: memoryListSchema },
    },
    handler: (request) => services.memories.list(actorOf(request), request.params.id),
  });

  app.patch('/v1/agents/:id/memories/:memoryId', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Correct one thing this agent remembers about you',
      params: memoryParams,
      body: updateMemoryBody,
      response: { 200: memorySchema },
    },
    handler: (request) =>
      services.memories.update(actorOf(request), request.params.id, request.params.memoryId, request.body),
  });

  app.delete('/v1/agents/:id/memories/:memoryId', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Make this agent forget one thing about you',
      params: memoryParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await services.memories.remove(actorOf(request), request.params.id, request.params.memoryId);
      return reply.status(204).send(null);
    },
  });

  app.get('/v1/contacts/:id/memories', {
    config: { access: supportDeskAccess },
    schema: {
      tags,
      security,
      summary: "What the tenant's agents remember about a contact, oldest first",
      description:
        'Kept only for inboxes with memory turned on (`memory` on the inbox), per contact: never shared between contacts.',
      params: idParams,
      response: { 200: memoryListSchema },
    },
    handler: (request) => services.memories.listForContact(actorOf(request), request.params.id),
  });

  app.delete('/v1/contacts/:id/memories/:memoryId', {
    config: { access: supportDeskAccess },
    schema: {
      tags,
      security,
      summary: 'Make the agents forget one thing about a contact',
      params: memoryParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await services.memories.removeForContact(actorOf(request), request.params.id, request.params.memoryId);
      return reply.status(204).send(null);
    },
  });
}
