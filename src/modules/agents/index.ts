import type { Database } from '../../platform/db/client.js';
import { createAgentsRepository } from './agents.repository.js';
import { registerAgentsRoutes } from './agents.routes.js';
import { createAgentsService } from './agents.service.js';
import { createAgentVersionsRepository } from './versions/agent-versions.repository.js';
import { registerAgentVersionsRoutes } from './versions/agent-versions.routes.js';
import { createAgentVersionsService, type PublishGateCheck } from './versions/agent-versions.service.js';
import type { App } from '../../platform/http/types.js';

export interface AgentsModuleDeps {
  readonly db: Database;
  /** The model of an agent created without one (the providers module knows the tenant's providers). */
  readonly defaultModelRef: (tenantId: string) => Promise<string>;
  /** Refuses a model no configured provider serves, when an agent is saved with it. */
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
  /** Asked as a version is published, in its transaction (the evaluations module's gate); refuses with a 409. */
  readonly publishGate?: PublishGateCheck;
}

/** `service` also serves as conversations' AgentDirectory (findUsable, listUsable). */
export function createAgentsModule(deps: AgentsModuleDeps) {
  const repository = createAgentsRepository();
  const versionsRepository = createAgentVersionsRepository();
  const service = createAgentsService({
    db: deps.db,
    repository,
    versions: versionsRepository,
    defaultModelRef: deps.defaultModelRef,
    requireKnownModel: deps.requireKnownModel,
  });
  const versions = createAgentVersionsService({
    db: deps.db,
    agents: repository,
    versions: versionsRepository,
    findModifiable: service.findModifiable,
    requireKnownModel: deps.requireKnownModel,
    publishGate: deps.publishGate,
  });
  return {
    service,
    versions,
    /** A version's settings, for a caller that has checked who may read them (an evaluation run). */
    versionSettings: async (tenantId: string, agentId: string, number: number) =>
      (await versionsRepository.find(deps.db, tenantId, agentId, number))?.settings,
    registerRoutes: (app: App) => {
      registerAgentsRoutes(app, service);
      registerAgentVersionsRoutes(app, versions);
    },
  };
}

export type { AgentsService, UsableAgent } from './agents.service.js';
export { modelRefSchema } from './model-ref-schema.js';
export type { PublishGateCheck } from './versions/agent-versions.service.js';
