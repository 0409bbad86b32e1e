import type { JSONSchema7 } from '@ai-sdk/provider';
import type { TextMessage } from '../../ai/model-call.js';
import type { Actor } from '../../access/actor.js';
import type { Logger } from '../../platform/logger.js';
import { AppError } from '../../platform/errors.js';
import { isUuid, newId } from '../../platform/ids.js';
import type { Shutdown } from '../../platform/shutdown.js';
import type {
  ModelResolver,
  ModelStreamDeps,
  ModelStreamEvent,
  ModelStreamResult,
  PassageSearch,
  ReplySlots,
  SamplingSettings,
  TurnKnowledge,
} from '../chat/index.js';
import {
  interruptedReply,
  logModelFailure,
  retrieveTurnKnowledge,
  streamModelReply,
  systemWithKnowledge,
} from '../chat/index.js';
import type { AgentDirectory, ChatAgent } from '../conversations/index.js';
import type {
  ChatCompletionInput,
  ChatCompletionView,
  OpenAICitation,
  OpenAIChatMessage,
} from './openai-compat.schemas.js';
import { toChatCompletion, toOpenAICitations } from './openai-presenters.js';

export interface OpenAICompatServiceDeps {
  readonly agents: Pick<AgentDirectory, 'findUsable' | 'listUsable' | 'findUsableNamed'>;
  readonly resolveModel: ModelResolver;
  readonly modelStream: ModelStreamDeps;
  readonly modelTimeoutMs: number;
  readonly knowledgeSearch?: PassageSearch;
  /** The bound on the replies one user has written at once, shared with chat turns. */
  readonly slots: ReplySlots;
  /** The node's stop (serve.ts): no new completion once it drains, and those running end with its grace. */
  readonly shutdown: Pick<Shutdown, 'isDraining' | 'ending'>;
  /** Where a failed model reply is logged, as a chat turn's is. */
  readonly logger: Pick<Logger, 'warn'>;
}

/** A validated request, ready to run: every 4xx has been decided before the model is called. */
export interface PreparedCompletion {
  readonly id: string;
  readonly created: number;
  /** Echoed back as `model`, as the client named it. */
  readonly model: string;
  /** The passages given to the model (an agent with knowledge sources), which its [n] markers cite. */
  readonly citations: readonly OpenAICitation[];
  run(onEvent: (event: ModelStreamEvent) => void, abortSignal: AbortSignal): Promise<ModelStreamResult>;
}

/** A refused request; `field` is what OpenAI's clients read as the error's `param`. */
const invalid = (message: string, field: string) =>
  new AppError('validation_failed', message, { fields: [{ field, message }] });

/**
 * Chat Completions over Parley's agents. Stateless by design: the request's messages are the whole
 * history and nothing is stored, as an OpenAI client expects; conversations are the stateful API.
 */
export function createOpenAICompatService(deps: OpenAICompatServiceDeps) {
  async function findAgent(actor: Actor, model: string): Promise<ChatAgent> {
    const byId = isUuid(model) ? await deps.agents.findUsable(actor, model) : undefined;
    if (byId) return byId;
    const named = await deps.agents.findUsableNamed(actor, model);
    if (named.length > 1) {
      throw invalid(`More than one agent is named '${model}'; use the agent's id as the model instead`, 'model');
    }
    if (!named[0]) {
      throw new AppError(
        'not_found',
        `The model '${model}' does not exist: use the id or name of an agent listed by GET /v1/models`,
      );
    }
    return named[0];
  }

  /**
   * The same retrieval as a chat turn, on the last user message. The passages go back beside the answer
   * as `message.context.citations`, where Azure OpenAI's "On Your Data" puts them, and the [n] markers
   * in the text point at them.
   */
  async function retrieveKnowledge(
    actor: Actor,
    agent: ChatAgent,
    messages: readonly TextMessage[],
    clientLeft: AbortSignal,
  ): Promise<TurnKnowledge | undefined> {
    if (agent.knowledgeSourceIds.length === 0) return undefined;
    const query = messages.findLast((message) => message.role === 'user')?.content ?? '';
    try {
      if (!deps.knowledgeSearch) throw new Error('no knowledge search is wired into the OpenAI-compatible API');
      return await retrieveTurnKnowledge(deps.knowledgeSearch, {
        tenantId: actor.tenantId,
        sourceIds: agent.knowledgeSourceIds,
        query,
        signal: AbortSignal.any([AbortSignal.timeout(deps.modelTimeoutMs), clientLeft]),
      });
    } catch (error) {
      if (error instanceof AppError && error.status < 500) throw error;
      throw new AppError(
        'not_ready',
        "The agent's knowledge sources could not be searched just now; try again in a moment",
        {},
        { cause: error },
      );
    }
  }

  /** `clientLeft` ends the knowledge search of a caller who is gone; `run` takes it again for the model call. */
  async function prepare(
    actor: Actor,
    input: ChatCompletionInput,
    clientLeft: AbortSignal,
  ): Promise<PreparedCompletion> {
    // As a chat turn: a stopping node could not finish it within its grace period.
    if (deps.shutdown.isDraining) {
      throw new AppError('not_ready', 'The server is shutting down; send the request again in a moment');
    }
    const agent = await findAgent(actor, input.model);
    const { system, messages } = splitMessages(input.messages);
    const resolved = await deps.resolveModel(actor.tenantId, agent.model, {
      path: 'openai_api',
      messageFrom: actor.userId,
      userId: actor.userId,
      agentId: agent.id,
    });
    const knowledge = await retrieveKnowledge(actor, agent, messages, clientLeft);
    const instructions = [agent.instructions.trim(), ...system].filter(Boolean).join('\n\n') || undefined;
    const request = {
      model: resolved.model,
      providerName: resolved.providerName,
      metricLabels: resolved.metricLabels,
      system: systemWithKnowledge(instructions, knowledge),
      messages,
      temperature: input.temperature ?? agent.temperature ?? undefined,
      maxOutputTokens: input.max_completion_tokens ?? input.max_tokens ?? agent.maxOutputTokens ?? undefined,
      sampling: samplingOf(input),
      timeoutMs: deps.modelTimeoutMs,
    };
    return {
      id: `chatcmpl-${newId()}`,
      created: Math.floor(Date.now() / 1000),
      model: input.model,
      citations: toOpenAICitations(knowledge?.citations ?? []),
      run: async (onEvent, abortSignal) => {
        // Claimed here, not in prepare: nothing can come between the claim and its release.
        const release = deps.slots.claim(actor.userId);
        const ending = deps.shutdown.ending;
        try {
          const result = await streamModelReply(
            deps.modelStream,
            { ...request, abortSignal: AbortSignal.any([abortSignal, ending]) },
            onEvent,
          );
          // Cut short when this node's grace period ended: the client is told to send it again, as a chat
          // turn's is, instead of its connection being closed under it.
          const ended = result.error && ending.aborted ? { ...result, error: interruptedReply } : result;
          // A caller who hung up is no failure to look into.
          const { error, providerSaid } = ended;
          if (error && !abortSignal.aborted) {
            const { tenantId, userId } = actor;
            const { provider } = request.metricLabels;
            logModelFailure(deps.logger, { tenantId, userId, agentId: agent.id, provider }, { error, providerSaid });
          }
          return ended;
        } finally {
          release();
        }
      },
    };
  }

  return {
    async listModels(actor: Actor) {
      const agents = await deps.agents.listUsable(actor);
      return { object: 'list' as const, data: agents.map(presentModel) };
    },

    /** One agent as a model, by id or name, as `model` names it in a completion. */
    async findModel(actor: Actor, model: string) {
      return presentModel(await findAgent(actor, model));
    },

    prepare,

    async complete(actor: Actor, input: ChatCompletionInput, abortSignal: AbortSignal): Promise<ChatCompletionView> {
      const prepared = await prepare(actor, input, abortSignal);
      const result = await prepared.run(() => undefined, abortSignal);
      if (result.error) {
        const { code, message, retryAfterSeconds } = result.error;
        throw new AppError(code, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
      }
      return toChatCompletion(prepared, result);
    },
  };
}

export type OpenAICompatService = ReturnType<typeof createOpenAICompatService>;

function presentModel(agent: ChatAgent) {
  return {
    id: agent.id,
    object: 'model' as const,
    created: Math.floor(agent.createdAt.getTime() / 1000),
    owned_by: 'parley',
    name: agent.name,
  };
}

/** The request's settings that shape the reply, in the AI SDK's terms; absent ones are left to the provider. */
function samplingOf(input: ChatCompletionInput): SamplingSettings {
  return {
    topP: input.top_p ?? undefined,
    stopSequences: input.stop == null ? undefined : [input.stop].flat(),
    seed: input.seed ?? undefined,
    frequencyPenalty: input.frequency_penalty ?? undefined,
    presencePenalty: input.presence_penalty ?? undefined,
    responseFormat: responseFormatOf(input.response_format),
  };
}

function responseFormatOf(format: ChatCompletionInput['response_format']): SamplingSettings['responseFormat'] {
  switch (format?.type) {
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const { name, description, schema } = format.json_schema;
      // Checked as JSON by the request schema; the provider checks it as a JSON Schema.
      return { type: 'json', name, description, schema: schema as JSONSchema7 | undefined };
    }
    default:
      return undefined;
  }
}

/** System and developer messages join the agent's instructions; the rest is the conversation. */
function splitMessages(input: readonly OpenAIChatMessage[]): { system: string[]; messages: TextMessage[] } {
  const system: string[] = [];
  const messages: TextMessage[] = [];
  for (const [index, message] of input.entries()) {
    const text = textOf(message, index);
    switch (message.role) {
      case 'system':
      case 'developer':
        if (text) system.push(text);
        break;
      case 'user':
        messages.push({ role: 'user', content: text });
        break;
      case 'assistant':
        if (text) messages.push({ role: 'assistant', content: text });
        break;
      case 'tool':
      case 'function':
        throw invalid(
          `messages[${index}]: tool messages are not supported, since agents here do not take client tools`,
          `messages.${index}.role`,
        );
    }
  }
  if (!messages.some((message) => message.role === 'user'))
    throw invalid('messages must contain at least one user message', 'messages');
  return { system, messages };
}

function textOf(message: OpenAIChatMessage, index: number): string {
  if (typeof message.content === 'string') return message.content;
  if (!message.content) return '';
  return message.content
    .map((part) => {
      if (part.type !== 'text') {
        throw invalid(
          `messages[${index}]: only text content is supported, not '${part.type}'`,
          `messages.${index}.content`,
        );
      }
      return part.text ?? '';
    })
    .join('');
}
