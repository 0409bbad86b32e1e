import type { Executor } from '../../platform/db/client.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { AgentsRepository } from './agents.repository.js';

export const defaultAgentName = 'Assistant';
const defaultAgentInstructions = 'You are a helpful assistant. Answer clearly and briefly.';

export interface DefaultAgent {
  /**
   * Adds the tenant's "Assistant" inside the transaction that creates the tenant, so a tenant has it
   * from its first moment and never twice (a restart or a second node creates no tenant, hence no
   * agent). Answers what to log once the transaction has committed; nothing when switched off.
   */
  addTo(
    tx: Executor,
    tenant: { id: string; name: string },
    createdBy: string | null,
  ): Promise<(() => void) | undefined>;
}

export interface DefaultAgentDeps {
  readonly repository: Pick<AgentsRepository, 'insertAgent'>;
  readonly logger: Logger;
  /** DEFAULT_AGENT=off: tenants start with no agent. */
  readonly isEnabled: boolean;
  /** DEFAULT_MODEL, else the usual model of the first server-wide provider, else `offline`. */
  readonly modelRef: string;
}

/** The agent every new tenant starts with, so New chat works right after the first sign-up. */
export function createDefaultAgent(deps: DefaultAgentDeps): DefaultAgent {
  return {
    async addTo(tx, tenant, createdBy) {
      if (!deps.isEnabled) return undefined;
      const agent = await deps.repository.insertAgent(tx, {
        id: newId(),
        tenantId: tenant.id,
        ownerId: null,
        visibility: 'tenant',
        name: defaultAgentName,
        instructions: defaultAgentInstructions,
        model: deps.modelRef,
        createdBy,
      });
      return () =>
        deps.logger.info(
          { tenantId: tenant.id, agentId: agent.id, model: agent.model },
          `created the agent '${defaultAgentName}' on the model '${agent.model}' for the new tenant '${tenant.name}' (DEFAULT_AGENT=off to start tenants without one)`,
        );
    },
  };
}
