import { tenantAdminAccess } from '../../../access/require-access.js';
import { idParams, noContent } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import { supportDeskAccess } from '../support/support-access.js';
import {
  createRuleBody,
  dryRunBody,
  dryRunSchema,
  reorderRulesBody,
  ruleListSchema,
  ruleRunListSchema,
  ruleSchema,
  updateRuleBody,
} from './routing.schemas.js';
import type { RoutingService } from './routing.service.js';

const security = [{ bearer: [] }];
const tags = ['routing-rules'];
const adminOnly = { access: tenantAdminAccess };
const base = '/v1/routing-rules';

export function registerRoutingRoutes(app: App, rules: RoutingService): void {
  app.get(base, {
    config: adminOnly,
    schema: { tags, security, summary: "The workspace's routing rules, in order", response: { 200: ruleListSchema } },
    handler: (request) => rules.list(actorOf(request)),
  });
  app.post(base, {
    config: adminOnly,
    schema: {
      tags,
      security,
      summary: 'Create a routing rule: when <trigger> and every condition holds, do the actions in order',
      body: createRuleBody,
      response: { 201: ruleSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await rules.create(actorOf(request), request.body)),
  });
  app.put(`${base}/order`, {
    config: adminOnly,
    schema: {
      tags,
      security,
      summary: 'Put the rules in a new order (every rule once)',
      body: reorderRulesBody,
      response: { 200: ruleListSchema },
    },
    handler: (request) => rules.reorder(actorOf(request), request.body.ruleIds),
  });
  app.post(`${base}/dry-run`, {
    config: adminOnly,
    schema: {
      tags,
      security,
      summary: 'Which recent conversations a rule (saved or not) would match and what it would do; changes nothing',
      body: dryRunBody,
      response: { 200: dryRunSchema },
    },
    handler: (request) => rules.dryRun(actorOf(request), request.body),
  });
  app.get(`${base}/:id`, {
    config: adminOnly,
    schema: { tags, security, summary: 'Get a routing rule', params: idParams, response: { 200: ruleSchema } },
    handler: (request) => rules.get(actorOf(request), request.params.id),
  });
  app.patch(`${base}/:id`, {
    config: adminOnly,
    schema: {
      tags,
      security,
      summary: 'Change a routing rule (its name, trigger, conditions, actions, or whether it is enabled)',
      params: idParams,
      body: updateRuleBody,
      response: { 200: ruleSchema },
    },
    handler: (request) => rules.update(actorOf(request), request.params.id, request.body),
  });
  app.delete(`${base}/:id`, {
    config: adminOnly,
    schema: { tags, security, summary: 'Delete a routing rule', params: idParams, response: { 204: noContent } },
    handler: async (request, reply) => {
      await rules.remove(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });
  app.get('/v1/support-conversations/:id/rule-runs', {
    config: { access: supportDeskAccess },
    schema: {
      tags,
      security,
      summary: 'Which routing rule did what to the conversation, and when',
      params: idParams,
      response: { 200: ruleRunListSchema },
    },
    handler: (request) => rules.runsOf(actorOf(request), request.params.id),
  });
}
