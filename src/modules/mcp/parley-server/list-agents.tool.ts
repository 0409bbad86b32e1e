import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from './parley-tools.types.js';
import { answerOrRefuse, toolAnswer } from './tool-result.js';

const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  knowledgeSourceIds: z.array(z.string()),
});
const outputSchema = { agents: z.array(agentSchema) };

export function registerListAgentsTool(server: McpServer, { actor, deps }: ToolContext): void {
  server.registerTool(
    'list_agents',
    {
      title: 'List agents',
      description: 'Lists the Parley agents you can talk to (with ask_agent): their ids, names and models.',
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      answerOrRefuse(deps.logger, 'list_agents', async () => {
        // The agents the key's user may use, as the conversation picker lists them (admins too: usable only).
        const usable = await deps.agents.listUsable(actor);
        const agents = usable.map((agent) => ({
          id: agent.id,
          name: agent.name,
          model: agent.model,
          knowledgeSourceIds: [...agent.knowledgeSourceIds],
        }));
        const text =
          agents.length === 0
            ? 'You have no agents to talk to yet; create one in Parley or ask an administrator to share one.'
            : agents.map((agent) => `${agent.name} (id ${agent.id}, model ${agent.model})`).join('\n');
        return toolAnswer(text, { agents });
      }),
  );
}
