import { platformAdminAccess as access, tenantAdminAccess } from '../../access/require-access.js';
import { idParams, pageQuery } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import {
  createdTenantSchema,
  createTenantBody,
  tenantPageSchema,
  tenantSettingsSchema,
  updateTenantSettingsBody,
} from './tenants.schemas.js';
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

  app.get('/v1/tenants/:id/settings', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "A tenant's settings (its administrators, and platform admins)",
      params: idParams,
      response: { 200: tenantSettingsSchema },
    },
    handler: (request) => service.getSettings(actorOf(request), request.params.id),
  });

  app.patch('/v1/tenants/:id/settings', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "Change a tenant's settings (its administrators, and platform admins)",
      params: idParams,
      body: updateTenantSettingsBody,
      response: { 200: tenantSettingsSchema },
    },
    handler: (request) => service.updateSettings(actorOf(request), request.params.id, request.body),
  });
}
