import type { Database } from '../../platform/db/client.js';
import { createAgentsRepository } from './agents.repository.js';
import { registerAgentsRoutes } from './agents.routes.js';
import { createAgentsService } from './agents.service.js';
import { createAgentVersionsRepository } from './versions/agent-versions.repository.js';
import { registerAgentVersionsRoutes } from './versions/agent-versions.routes.js';
import { createAgentVersionsService } from './versions/agent-versions.service.js';
import type { App } from '../../platform/http/types.js';

export interface AgentsModuleDeps {
  readonly db: Database;
  /** The model of an agent created without one (the providers module knows the tenant's providers). */
  readonly defaultModelRef: (tenantId: string) => Promise<string>;
  /** Refuses a model no configured provider serves, when an agent is saved with it. */
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
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
  });
  return {
    service,
    versions,
    registerRoutes: (app: App) => {
      registerAgentsRoutes(app, service);
      registerAgentVersionsRoutes(app, versions);
    },
  };
}

export type { AgentsService, UsableAgent } from './agents.service.js';
