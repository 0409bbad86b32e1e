import type { Database } from '../../platform/db/client.js';
import { createAgentsRepository } from './agents.repository.js';
import { registerAgentsRoutes } from './agents.routes.js';
import { createAgentsService } from './agents.service.js';

export interface AgentsModuleDeps {
  readonly db: Database;
  /** The model of an agent created without one (the providers module knows the tenant's providers). */
  readonly defaultModelRef: (tenantId: string) => Promise<string>;
  /** Refuses a model no configured provider serves, when an agent is saved with it. */
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
}

/** `service` also serves as conversations' AgentDirectory (findUsable, listUsable). */
export function createAgentsModule(deps: AgentsModuleDeps) {
  const service = createAgentsService({
    db: deps.db,
    repository: createAgentsRepository(),
    defaultModelRef: deps.defaultModelRef,
    requireKnownModel: deps.requireKnownModel,
  });
  return { service, registerRoutes: registerAgentsRoutes };
}

export type { AgentsService, UsableAgent } from './agents.service.js';
