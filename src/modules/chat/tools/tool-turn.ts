import type { ModelMessage } from 'ai';
import type { Actor } from '../../../access/actor.js';
import type { TextMessage } from '../../../ai/model-call.js';
import type { StoredToolCall } from '../../../platform/db/schema/index.js';
import type { ChatAgent } from '../../conversations/index.js';
import type { SplitReplySettings } from '../turn/split-replies.js';
import type { McpToolRunner } from '../../mcp/index.js';
import type { ChatTurnEvent } from '../turn/chat-events.js';
import type { ChatToolsRepository } from './chat-tools.repository.js';
import type { ResolvedModel } from '../turn/model-resolver.js';
import type { ModelStreamDeps } from '../turn/model-stream.js';
import { streamToolLoop, type ToolLoopEvent, type ToolLoopResult } from './tool-loop.js';
import type { PassageSearch } from '../turn/turn-knowledge.js';
import { resolveTurnTools } from './turn-tools.js';
import type { BuiltinTool } from './builtin-tools.js';
import type { Executor } from '../../../platform/db/client.js';

/** A chat agent with the keys of the tools it may call. */
/** `hasMemory`: the agent keeps facts about its users (docs/companion.md). */
export type TurnAgent = ChatAgent & {
  readonly toolKeys: readonly string[];
  readonly hasMemory?: boolean;
  /** Set for an agent that answers in several bubbles (docs/companion.md). */
  readonly splitReplies?: SplitReplySettings;
  /** The agent's companion settings as stored, for whoever acts after the reply (the companion module). */
  readonly companion?: unknown;
  /** The agent keeps summaries: the reply's statement also counts the turns since the last (chat-turn.ts). */
  readonly keepsSummaries?: boolean;
};

/** What the tool loop needs beyond a plain turn; absent, agents' tools are not offered. */
export interface ChatToolsDeps {
  readonly repository: ChatToolsRepository;
  readonly toolRunner: McpToolRunner | undefined;
}

/** Only agents with tools and a real model take the loop; the offline model cannot choose tools (ADR 7 path stays). */
export const usesTools = (agent: TurnAgent, resolved: ResolvedModel): boolean =>
  agent.toolKeys.length > 0 && !resolved.isOffline;

export interface ToolTurnRequest {
  readonly actor: Actor;
  readonly agent: TurnAgent;
  readonly conversationId: string;
  readonly resolved: ResolvedModel;
  readonly system: string | undefined;
  readonly messages: ModelMessage[];
  readonly timeoutMs: number;
  readonly abortSignal?: AbortSignal;
  /** Tools the conversation brings beside the agent's (a support conversation's handoff). */
  readonly conversationTools?: readonly BuiltinTool[];
}

export interface ToolTurnDeps {
  readonly db: Executor;
  readonly tools: ChatToolsDeps;
  readonly knowledgeSearch: PassageSearch | undefined;
  readonly modelStream: ModelStreamDeps;
}

/** Runs the agent's tool loop for a turn, telling the channel every part as it comes. */
export async function runToolTurn(
  deps: ToolTurnDeps,
  request: ToolTurnRequest,
  emit: (event: ChatTurnEvent) => void,
): Promise<ToolLoopResult> {
  const { actor, agent, resolved } = request;
  const tools = await resolveTurnTools(
    {
      db: deps.db,
      toolsRepository: deps.tools.repository,
      toolRunner: deps.tools.toolRunner,
      knowledgeSearch: deps.knowledgeSearch,
    },
    {
      actor,
      agentId: agent.id,
      conversationId: request.conversationId,
      toolKeys: agent.toolKeys,
      knowledgeSourceIds: agent.knowledgeSourceIds,
      ...(request.conversationTools && { conversationTools: request.conversationTools }),
    },
  );
  return streamToolLoop(
    deps.modelStream,
    {
      model: resolved.model,
      providerName: resolved.providerName,
      metricLabels: resolved.metricLabels,
      system: request.system,
      messages: request.messages,
      tools,
      temperature: agent.temperature ?? undefined,
      maxOutputTokens: agent.maxOutputTokens ?? undefined,
      timeoutMs: request.timeoutMs,
      abortSignal: request.abortSignal,
    },
    (event) => emit(toTurnEvent(event)),
  );
}

function toTurnEvent(event: ToolLoopEvent): ChatTurnEvent {
  switch (event.type) {
    case 'tool-result':
      return { type: 'tool-result', toolCallId: event.toolCallId, output: event.output };
    case 'tool-error':
      return { type: 'tool-result', toolCallId: event.toolCallId, errorText: event.errorText };
    default:
      return event;
  }
}

/** Parley's text messages as the AI SDK's model messages (a user's files as file parts after the text). */
export function toLoopMessages(messages: readonly TextMessage[]): ModelMessage[] {
  return messages.map((message): ModelMessage => {
    if (message.role === 'assistant') return { role: 'assistant', content: message.content };
    if (!message.attachments?.length) return { role: 'user', content: message.content };
    return {
      role: 'user',
      content: [
        // An image sent alone (the widget's) has no text: some providers refuse an empty text part.
        ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
        ...message.attachments.map((part) =>
          part.type === 'text'
            ? { type: 'text' as const, text: part.text }
            : { type: 'file' as const, data: part.data, mediaType: part.mediaType, filename: part.filename },
        ),
      ],
    };
  });
}

/** Told to the model for a call the user refused, so it answers without the tool rather than retrying it. */
export function deniedOutput(reason: string | undefined): string {
  return reason
    ? `The user denied this tool call. Their reason: ${reason}`
    : 'The user denied this tool call; do not call it again for this request.';
}

/**
 * A reply that stopped for approval, as the model sees it when it resumes: what it said and called so
 * far, then every call's outcome (results, errors, denials), from the stored calls alone.
 */
export function resumedMessages(text: string, calls: readonly StoredToolCall[]): ModelMessage[] {
  const assistant: ModelMessage = {
    role: 'assistant',
    content: [
      ...(text ? [{ type: 'text' as const, text }] : []),
      ...calls.map((call) => ({
        type: 'tool-call' as const,
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        input: call.input,
      })),
    ],
  };
  const results: ModelMessage = {
    role: 'tool',
    content: calls.map((call) => ({
      type: 'tool-result' as const,
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      output:
        call.state === 'complete'
          ? typeof call.output === 'string'
            ? { type: 'text' as const, value: call.output }
            : { type: 'json' as const, value: (call.output ?? null) as never }
          : { type: 'error-text' as const, value: call.errorMessage ?? 'The tool call did not complete' },
    })),
  };
  return [assistant, results];
}
