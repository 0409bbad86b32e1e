import { idParams, pageOf } from '../../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import type { PublishGate } from '../gate/publish-gate.js';
import {
  gateBody,
  gateSchema,
  runCasePageSchema,
  runCasesQuery,
  runListQuery,
  runSchema,
  startRunBody,
} from './evaluation-runs.schemas.js';
import type { EvaluationRunsService } from './evaluation-runs.service.js';

const tags = ['evaluations'];
const security = [{ bearer: [] }];
const config = { access: 'authenticated' } as const;

/** Runs and the publish gate: for those who may change the agent (its owner, an administrator). */
export function registerEvaluationRunsRoutes(app: App, service: EvaluationRunsService, gate: PublishGate): void {
  app.post('/v1/evaluation-runs', {
    config,
    schema: {
      tags,
      security,
      summary: "Start a run: a set's cases answered by one or two versions (or models) of an agent, as a job",
      body: startRunBody,
      response: { 201: runSchema },
    },
    handler: async (request, reply) => reply.status(201).send(await service.start(actorOf(request), request.body)),
  });

  app.get('/v1/evaluation-runs', {
    config,
    schema: {
      tags,
      security,
      summary: "An agent's runs, newest first",
      querystring: runListQuery,
      response: { 200: pageOf(runSchema) },
    },
    handler: (request) => service.list(actorOf(request), request.query),
  });

  app.get('/v1/evaluation-runs/:id', {
    config,
    schema: {
      tags,
      security,
      summary: "A run: its progress while it goes, each arm's pass rates, tokens, cost and latency",
      params: idParams,
      response: { 200: runSchema },
    },
    handler: (request) => service.get(actorOf(request), request.params.id),
  });

  app.get('/v1/evaluation-runs/:id/cases', {
    config,
    schema: {
      tags,
      security,
      summary: "A run's cases side by side: each arm's answer, citations, handoff, checks, tokens, cost and latency",
      params: idParams,
      querystring: runCasesQuery,
      response: { 200: runCasePageSchema },
    },
    handler: (request) => service.cases(actorOf(request), request.params.id, request.query),
  });

  app.post('/v1/evaluation-runs/:id/stop', {
    config,
    schema: {
      tags,
      security,
      summary: 'Stop a run: the cases under way are finished, the rest left unanswered',
      params: idParams,
      response: { 200: runSchema },
    },
    handler: (request) => service.stop(actorOf(request), request.params.id),
  });

  app.get('/v1/agents/:id/evaluation-gate', {
    config,
    schema: {
      tags,
      security,
      summary: 'The set a version must be evaluated on before it is published (null: none)',
      params: idParams,
      response: { 200: gateSchema },
    },
    handler: (request) => gate.get(actorOf(request), request.params.id),
  });

  app.put('/v1/agents/:id/evaluation-gate', {
    config,
    schema: {
      tags,
      security,
      summary:
        'Make publishing wait for a run on a set that shows the version passes no fewer cases than the published one (null: no gate)',
      params: idParams,
      body: gateBody,
      response: { 200: gateSchema },
    },
    handler: (request) => gate.put(actorOf(request), request.params.id, request.body.setId),
  });
}
