import { platformAdminAccess, tenantAdminAccess } from '../../access/require-access.js';
import { idParams } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { budgetBody, budgetSchema } from './budgets.schemas.js';
import type { BudgetsService } from './budgets.service.js';

const tags = ['budgets'];
const security = [{ bearer: [] }];

export function registerBudgetsRoutes(app: App, service: BudgetsService): void {
  app.get('/v1/tenant/budget', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "The tenant's budgets and this month's use against them",
      response: { 200: budgetSchema },
    },
    handler: (request) => service.getOwn(actorOf(request)),
  });

  app.put('/v1/tenant/budget', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "Set the tenant's monthly token and cost budgets and daily message cap per person (null: none)",
      body: budgetBody,
      response: { 200: budgetSchema },
    },
    handler: (request) => service.setOwn(actorOf(request), request.body),
  });

  app.get('/v1/tenants/:id/budget', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary: "A tenant's budgets and this month's use (platform admins)",
      params: idParams,
      response: { 200: budgetSchema },
    },
    handler: (request) => service.getForTenant(actorOf(request), request.params.id),
  });

  app.put('/v1/tenants/:id/budget', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary: "Set a tenant's budgets (platform admins)",
      params: idParams,
      body: budgetBody,
      response: { 200: budgetSchema },
    },
    handler: (request) => service.setForTenant(actorOf(request), request.params.id, request.body),
  });
}
