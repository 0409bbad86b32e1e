import { tenantAdminAccess as access } from '../../../access/require-access.js';
import { idParams } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import { emailDomainListSchema, replaceEmailDomainsBody } from './email-domains.schemas.js';
import type { EmailDomainsService } from './email-domains.service.js';

const tags = ['inboxes'];
const security = [{ bearer: [] }];

export function registerEmailDomainsRoutes(app: App, service: EmailDomainsService): void {
  app.get('/v1/tenants/:id/email-domains', {
    config: { access },
    schema: {
      tags,
      security,
      summary: "The mail domains the tenant's email inboxes may have addresses at (its admins, and platform admins)",
      params: idParams,
      response: { 200: emailDomainListSchema },
    },
    handler: (request) => service.list(actorOf(request), request.params.id),
  });

  app.put('/v1/tenants/:id/email-domains', {
    config: { access },
    schema: {
      tags,
      security,
      summary:
        "Approve the tenant's mail domains, replacing the set (platform admins only); each domain is one tenant's",
      params: idParams,
      body: replaceEmailDomainsBody,
      response: { 200: emailDomainListSchema },
    },
    handler: (request) => service.replace(actorOf(request), request.params.id, request.body),
  });
}
