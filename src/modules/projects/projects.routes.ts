import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import type { ProjectsService } from './projects.service.js';
import {
  createProjectBody,
  listProjectsQuery,
  projectPageSchema,
  projectSchema,
  updateProjectBody,
} from './projects.schemas.js';

const tags = ['projects'];
const security = [{ bearer: [] }];

export function registerProjectsRoutes(app: App, service: ProjectsService): void {
  app.get('/v1/projects', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: "Your projects, newest first (operators and admins: all of the tenant's)",
      querystring: listProjectsQuery,
      response: { 200: projectPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/projects', {
    config: { access: 'authenticated' },
    schema: { tags, security, summary: 'Create a project', body: createProjectBody, response: { 201: projectSchema } },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });

  app.get('/v1/projects/:id', {
    config: { access: 'authenticated' },
    schema: { tags, security, summary: 'One project', params: idParams, response: { 200: projectSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.patch('/v1/projects/:id', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Rename a project or change its description',
      params: idParams,
      body: updateProjectBody,
      response: { 200: projectSchema },
    },
    handler: (request) => service.update(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/projects/:id', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      security,
      summary: 'Delete a project (its conversations are kept, outside any project)',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
