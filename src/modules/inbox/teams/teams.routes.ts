import { z } from 'zod';
import { tenantAdminAccess } from '../../../access/require-access.js';
import { supportStatuses } from '../../../platform/db/schema/index.js';
import { idParams, noContent } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import { supportDeskAccess } from '../support/support-access.js';
import { createTeamBody, teamListSchema, teamMembersBody, teamSchema, updateTeamBody } from './teams.schemas.js';
import type { TeamsService } from './teams.service.js';

const tags = ['teams'];
const security = [{ bearer: [] }];

const teamCountsQuery = z.strictObject({
  status: z.enum(supportStatuses).optional().describe('Count only this status; by default every unresolved one'),
});
const teamCountsSchema = z.object({
  items: z.array(
    z.object({
      teamId: z.uuid(),
      name: z.string(),
      count: z.number().int(),
      isMine: z.boolean().describe('Whether the caller is a member (the console\'s "My teams")'),
    }),
  ),
});

export function registerTeamsRoutes(app: App, service: TeamsService): void {
  app.get('/v1/teams', {
    config: { access: supportDeskAccess },
    schema: {
      tags,
      security,
      summary: "The tenant's teams with their members, by name",
      response: { 200: teamListSchema },
    },
    handler: (request) => service.list(actorOf(request)),
  });

  app.get('/v1/teams/counts', {
    config: { access: supportDeskAccess },
    schema: {
      tags,
      security,
      summary: "Each team's queue with how many conversations it holds (the queue's team selector)",
      querystring: teamCountsQuery,
      response: { 200: teamCountsSchema },
    },
    handler: (request) => service.counts(actorOf(request), request.query),
  });

  app.post('/v1/teams', {
    config: { access: tenantAdminAccess },
    schema: { tags, security, summary: 'Create a team', body: createTeamBody, response: { 201: teamSchema } },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/teams/:id', {
    config: { access: supportDeskAccess },
    schema: { tags, security, summary: 'Get a team', params: idParams, response: { 200: teamSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/teams/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "Change a team's name, description or reply-time targets",
      params: idParams,
      body: updateTeamBody,
      response: { 200: teamSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.put('/v1/teams/:id/members', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "Replace the team's members (operators and administrators of the tenant)",
      params: idParams,
      body: teamMembersBody,
      response: { 200: teamSchema },
    },
    handler: (request) => service.setMembers(actorOf(request), request.params.id, request.body.userIds),
  });

  app.delete('/v1/teams/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Delete a team; its conversations and inboxes keep no team',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
