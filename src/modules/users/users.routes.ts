import { tenantAdminAccess as access } from '../../access/require-access.js';
import { idParams, noContent, pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { createUserBody, updateUserBody, userPageSchema, userSchema } from './users.schemas.js';
import type { UsersService } from './users.service.js';

const tags = ['users'];
const security = [{ bearer: [] }];

export function registerUsersRoutes(app: App, service: UsersService): void {
  app.get('/v1/users', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "List the tenant's users",
      querystring: pageQuery,
      response: { 200: userPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/users', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Create a user in the tenant',
      body: createUserBody,
      response: { 201: userSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/users/:id', {
    config: { access },
    schema: { tags, security, summary: 'Get a user', params: idParams, response: { 200: userSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/users/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "Change a user's role, name or password, or disable them",
      description:
        'Disabling a user, or setting a new password, ends every credential they have: all their sign-ins end and all their API keys are deleted. Enabling them again brings none back: they sign in anew and make new keys.',
      params: idParams,
      body: updateUserBody,
      response: { 200: userSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/users/:id', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Delete a user and everything they own',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
