import { platformAdminAccess as access } from '../../access/require-access.js';
import { pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { createdTenantSchema, createTenantBody, tenantPageSchema } from './tenants.schemas.js';
import type { TenantsService } from './tenants.service.js';

const tags = ['tenants'];
const security = [{ bearer: [] }];

export function registerTenantsRoutes(app: App, service: TenantsService): void {
  app.get('/v1/tenants', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'List all tenants (platform admins)',
      querystring: pageQuery,
      response: { 200: tenantPageSchema },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.post('/v1/tenants', {
    config: { access },
    schema: {
      tags,
      security,
      summary: 'Create a tenant, optionally with its first tenant admin (platform admins)',
      body: createTenantBody,
      response: { 201: createdTenantSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.create(actorOf(request), request.body)),
  });
}
