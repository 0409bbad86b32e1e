import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Actor } from '../../../access/actor.js';
import { AppError } from '../../../platform/errors.js';
import { maxMessageChars } from '../../chat/chat.schemas.js';
import type { MessageView } from '../../conversations/index.js';
import type { ParleyToolDeps, ToolContext } from './parley-tools.types.js';
import { answerOrRefuse, toolAnswer, toolRefusal } from './tool-result.js';
import { shortenTo } from '../../../platform/text-cut.js';

const inputSchema = {
  agentId: z.uuid('must be an agent id (a UUID) as list_agents returns it'),
  message: z
    .string()
    .max(maxMessageChars, `must be at most ${maxMessageChars} characters`)
    .refine((text) => text.trim().length > 0, 'must not be empty'),
  conversationId: z
    .uuid('must be a conversation id (a UUID) as an earlier ask_agent returned it')
    .optional()
    .describe('Continue this conversation (from an earlier answer); a new conversation when omitted'),
};

const citationSchema = z.object({
  marker: z.number(),
  sourceId: z.string(),
  documentId: z.string(),
  documentTitle: z.string(),
  page: z.number().nullable(),
  excerpt: z.string(),
});
const outputSchema = {
  conversationId: z.string(),
  messageId: z.string(),
  answer: z.string(),
  citations: z.array(citationSchema),
};

const titleChars = 60;

/** The conversation shows up in the user's Parley history, named after where it came from. */
function conversationTitle(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return `MCP: ${shortenTo(oneLine, titleChars)}`;
}

/** The given conversation (it must be with this agent), or a new one. Another user's or tenant's is a 404. */
async function conversationFor(
  actor: Actor,
  deps: ParleyToolDeps,
  agentId: string,
  input: { message: string; conversationId?: string | undefined },
): Promise<string> {
  if (!input.conversationId) {
    return (await deps.conversations.create(actor, { agentId, title: conversationTitle(input.message) })).id;
  }
  const conversation = await deps.conversations.get(actor, input.conversationId);
  if (conversation.agentId !== agentId) {
    throw new AppError(
      'unprocessable',
      `Conversation '${conversation.id}' is with agent '${conversation.agentId}', not '${agentId}'; leave out conversationId to start a new conversation`,
    );
  }
  return conversation.id;
}

function describeReply(reply: MessageView): string {
  const sources = reply.citations.map((citation) => {
    const page = citation.page !== null ? `, page ${citation.page}` : '';
    return `[${citation.marker}] ${citation.documentTitle}${page}: ${citation.excerpt}`;
  });
  return [
    reply.content,
    ...(sources.length > 0 ? [`Sources:\n${sources.join('\n')}`] : []),
    `Conversation: ${reply.conversationId} (pass it as conversationId to continue)`,
  ].join('\n\n');
}

export function registerAskAgentTool(server: McpServer, { actor, deps }: ToolContext): void {
  server.registerTool(
    'ask_agent',
    {
      title: 'Ask an agent',
      description:
        'Sends a message to a Parley agent and returns its reply, the passages it cites and the conversation id (pass it back as conversationId to continue the conversation).',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (input) =>
      answerOrRefuse(deps.logger, 'ask_agent', async () => {
        if (!(await deps.agents.findUsable(actor, input.agentId))) {
          return toolRefusal(
            `Agent '${input.agentId}' was not found among the agents you can use; call list_agents to see them`,
          );
        }
        const conversationId = await conversationFor(actor, deps, input.agentId, input);
        const turn = await deps.chat.sendMessage(actor, conversationId, { content: input.message });
        // A failed reply (model error, timeout) is an AppError with the chat's own sentence: answerOrRefuse
        // makes it an isError result, and the conversation keeps the question for a later try.
        const { assistantMessage } = await deps.chat.awaitReply(turn);
        if (assistantMessage.status !== 'complete') {
          // E.g. a reply that stopped at a tool call the user must approve: MCP has no way to ask them here.
          return toolRefusal(
            `The agent's reply stopped before it was finished (${assistantMessage.status.replaceAll('_', ' ')}); open conversation '${conversationId}' in Parley to continue it`,
          );
        }
        return toolAnswer(describeReply(assistantMessage), {
          conversationId,
          messageId: assistantMessage.id,
          answer: assistantMessage.content,
          citations: assistantMessage.citations.map((citation) => ({
            marker: citation.marker,
            sourceId: citation.sourceId,
            documentId: citation.documentId,
            documentTitle: citation.documentTitle,
            page: citation.page,
            excerpt: citation.excerpt,
          })),
        });
      }),
  );
}
