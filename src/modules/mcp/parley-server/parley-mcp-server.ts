import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Actor } from '../../../access/actor.js';
import { registerAskAgentTool } from './ask-agent.tool.js';
import { registerListAgentsTool } from './list-agents.tool.js';
import type { ParleyToolDeps } from './parley-tools.types.js';
import { registerSearchKnowledgeTool } from './search-knowledge.tool.js';

export const parleyServerInfo = { name: 'parley', version: '0.1.0' } as const;

/** Parley's tools bound to one caller: built per request, so no state outlives it. */
export function createParleyMcpServer(actor: Actor, deps: ParleyToolDeps): McpServer {
  const server = new McpServer(parleyServerInfo, {
    instructions:
      "Parley's knowledge sources and agents. search_knowledge finds passages; list_agents names the agents you can use; ask_agent runs one chat turn with one of them.",
  });
  const context = { actor, deps };
  registerSearchKnowledgeTool(server, context);
  registerListAgentsTool(server, context);
  registerAskAgentTool(server, context);
  return server;
}
