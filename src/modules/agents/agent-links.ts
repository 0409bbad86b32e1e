import type { Executor } from '../../platform/db/client.js';
import { notFound } from '../../platform/errors.js';
import type { AgentsRepository } from './agents.repository.js';

/**
 * What an agent's settings point at must be the tenant's: its knowledge sources and MCP tools. Another
 * tenant's is as unknown as a made-up one (404). Checked in the transaction that writes the links.
 */
export function createAgentLinkChecks(repository: Pick<AgentsRepository, 'findKnowledgeSourceIds' | 'findMcpToolIds'>) {
  return {
    requireKnowledgeSources: async (tx: Executor, tenantId: string, sourceIds: readonly string[]): Promise<void> => {
      const found = new Set(await repository.findKnowledgeSourceIds(tx, tenantId, sourceIds));
      const missing = sourceIds.find((id) => !found.has(id));
      if (missing) throw notFound('Knowledge source', missing);
    },

    /** Every `mcp:<id>` key must name an MCP tool of the tenant. */
    requireTools: async (tx: Executor, tenantId: string, keys: readonly string[]): Promise<void> => {
      const mcpIds = keys.filter((key) => key.startsWith('mcp:')).map((key) => key.slice('mcp:'.length));
      const found = new Set(await repository.findMcpToolIds(tx, tenantId, mcpIds));
      const missing = mcpIds.find((id) => !found.has(id));
      if (missing) throw notFound('Tool', missing);
    },
  };
}
