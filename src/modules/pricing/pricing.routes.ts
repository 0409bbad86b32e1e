import { platformAdminAccess, tenantAdminAccess } from '../../access/require-access.js';
import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import { modelPriceListSchema, modelPriceSchema, putModelPriceBody } from './pricing.schemas.js';
import type { PricingService } from './pricing.service.js';

const tags = ['model-prices'];
const security = [{ bearer: [] }];

export function registerPricingRoutes(app: App, service: PricingService): void {
  app.get('/v1/model-prices', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'List model prices (USD per million tokens in and out), by provider kind and model',
      response: { 200: modelPriceListSchema },
    },
    handler: (request) => service.list(actorOf(request)),
  });

  app.get('/v1/model-prices/:id', {
    config: { access: tenantAdminAccess },
    schema: { tags, security, summary: 'One model price', params: idParams, response: { 200: modelPriceSchema } },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.put('/v1/model-prices', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary: "Set a model's price (platform admins): adds the (provider kind, model) row or replaces its price",
      body: putModelPriceBody,
      response: { 200: modelPriceSchema },
    },
    handler: (request) => service.put(actorOf(request), request.body),
  });

  app.delete('/v1/model-prices/:id', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary: "Delete a model's price (platform admins); its usage then counts as unpriced",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await service.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
}
