import type { Actor } from '../../../access/actor.js';
import { canUseAgent } from '../../../access/agent-access.js';
import { canPostAsOwner, canViewOwned } from '../../../access/owned-resources.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { StoredToolCall } from '../../../platform/db/schema/index.js';
import { AppError, conflict, forbidden, notFound, type ErrorCode } from '../../../platform/errors.js';
import { isCompleteOrStopped, presentMessage, type MessageView } from '../../conversations/index.js';
import { createTurnChannel, type ChatTurnHandle, type ChatTurnOutcome, type TurnChannel } from '../turn/chat-events.js';
import { cutShort, scheduleTitle, turnOutcome, type ChatTurnDeps } from '../turn/chat-turn.js';
import { storeReply } from '../turn/reply-storing.js';
import type { MessageRow } from '../chat.repository.js';
import type { ModelResolver, ResolvedModel } from '../turn/model-resolver.js';
import { releasingOnFailure, type ReplySlots } from '../reply-control/reply-slots.js';
import { sumUsage, type ToolLoopResult } from './tool-loop.js';
import {
  deniedOutput,
  resumedMessages,
  runToolTurn,
  toLoopMessages,
  type ChatToolsDeps,
  type TurnAgent,
} from './tool-turn.js';
import { promptOf, readHistoryBefore } from '../turn/prompt-history.js';
import { retrieveTurnKnowledge, type TurnKnowledge } from '../turn/turn-knowledge.js';
import { resolveTurnTools, runTurnTool, toolOfCall, type TurnTools } from './turn-tools.js';

export interface ToolDecision {
  readonly toolCallId: string;
  readonly approved: boolean;
  readonly reason?: string;
}

export interface ToolApprovalDeps extends ChatTurnDeps {
  readonly resolveModel: ModelResolver;
  /** A continued reply calls the model again, so it takes one of its owner's reply slots, as a send does. */
  readonly slots: ReplySlots;
}

/** A reply that waited for approval, decided and ready to continue. */
interface ResumedReply {
  readonly actor: Actor;
  readonly agent: TurnAgent;
  readonly resolved: ResolvedModel;
  readonly conversationId: string;
  readonly userMessage: MessageRow;
  readonly assistantMessage: MessageRow;
  readonly decided: StoredToolCall[];
  readonly hasTitle: boolean;
}

/**
 * Decisions on the tool calls a reply waits for, and the reply's continuation. All state is in the
 * database (the message's status and `tool_calls`), so a decision works after a reload or a restart.
 */
export function createToolApprovals(deps: ToolApprovalDeps) {
  const { db, repository } = deps;

  async function decide(
    actor: Actor,
    conversationId: string,
    messageId: string,
    decision: ToolDecision,
  ): Promise<ChatTurnHandle> {
    const tools = deps.tools;
    const context = await repository.findTurnContext(db, actor.tenantId, conversationId);
    if (!context || !canViewOwned(actor, context.conversation.ownerId)) throw notFound('Conversation', conversationId);
    // A decision runs a tool in the owner's name and continues their reply: like sending, it is theirs alone.
    if (!canPostAsOwner(actor, context.conversation.ownerId)) {
      throw forbidden("Only the conversation's owner can approve or deny its tool calls");
    }
    const message = await repository.findMessage(db, actor.tenantId, messageId);
    if (!message || message.conversationId !== conversationId || message.role !== 'assistant') {
      throw notFound('Message', messageId);
    }
    const seen = message.toolCalls ?? [];
    const call = seen.find((entry) => entry.toolCallId === decision.toolCallId);
    if (!call) throw notFound('Tool call', decision.toolCallId);
    if (message.status !== 'awaiting_approval' || call.state !== 'awaiting_approval' || !tools) {
      throw conflict(`Tool call '${decision.toolCallId}' is not awaiting approval; it was already decided`);
    }
    const next = seen.map((entry): StoredToolCall => {
      if (entry !== call) return entry;
      return decision.approved
        ? { ...entry, state: 'running' }
        : { ...entry, state: 'denied', errorMessage: deniedOutput(decision.reason) };
    });
    const isContinuing = !next.some((entry) => entry.state === 'awaiting_approval');
    const { agent: usable } = context;
    if (!usable) {
      // Nothing can ever continue this reply: it fails now, rather than wait for a decision for ever.
      const agentGone = {
        code: 'unprocessable',
        message: "This conversation's agent no longer exists, so its reply cannot continue; start a new conversation",
      } as const;
      await storeFailedReply(deps, actor.tenantId, failedReply(message, agentGone));
      throw new AppError(agentGone.code, agentGone.message);
    }
    // An agent made private to another since the call was asked: a decision would run its tools and its
    // model in the owner's name, which a send or retry refuses. The reply waits, should it come back.
    if (!canUseAgent(actor, usable)) {
      throw new AppError(
        'unprocessable',
        "This conversation's agent is no longer available to you, so its tool calls cannot be decided; start a new conversation",
      );
    }
    // Before the decision is recorded: a model that cannot be resolved leaves the reply waiting, not stuck.
    const resolved =
      isContinuing && usable
        ? await deps.resolveModel(actor.tenantId, usable.model, {
            path: 'chat',
            userId: actor.userId,
            agentId: usable.id,
            conversationId,
          })
        : undefined;
    // Claimed before the decision is recorded too, so a user at their limit finds the call still waiting.
    const release = resolved ? deps.slots.claim(actor.userId) : () => undefined;
    const decided = await releasingOnFailure(release, async () => {
      const recorded = await transaction(db, (tx) =>
        tools.repository.recordDecision(tx, { tenantId: actor.tenantId, messageId, seen, next, isContinuing }),
      );
      if (!recorded)
        throw conflict(`Tool call '${decision.toolCallId}' is not awaiting approval; it was already decided`);
      const before = await repository.messageBefore(db, actor.tenantId, conversationId, messageId);
      if (!before) throw conflict(`Message '${messageId}' has no message before it to answer`);
      return { userMessage: before, replySeq: recorded.seq };
    });
    const { userMessage } = decided;
    // Other calls still wait: the reply stays as it is until the last one is decided. Its watchers get
    // its new state, under the seq the decision took.
    if (!usable || !resolved) {
      const waiting = { ...message, toolCalls: next, seq: decided.replySeq };
      deps.announceWaitingReply?.(actor.tenantId, presentMessage(waiting));
      return settledHandle(userMessage, waiting);
    }
    const { visibility: _visibility, ownerId: _ownerId, ...agent } = usable;
    // Under the seq its return to `streaming` took: its continued stream is a new run of parts, after
    // whatever the conversation's log holds since it stopped to wait.
    const assistantMessage: MessageRow = {
      ...message,
      toolCalls: next,
      status: 'streaming',
      completedAt: null,
      seq: decided.replySeq,
    };
    const resumed: ResumedReply = {
      actor,
      agent,
      resolved,
      conversationId,
      userMessage,
      assistantMessage,
      decided: next,
      hasTitle: context.conversation.title !== null,
    };
    const run = deps.stops.track(conversationId, messageId, actor.userId, {
      text: message.content,
      reasoning: message.reasoning ?? '',
    });
    const channel = createTurnChannel(run);
    const outcome = deps.background.track(
      'chat-tool-approval',
      continueReply(deps, tools, resumed, channel, run.signal).finally(() => {
        run.done();
        release();
      }),
    );
    const handle: ChatTurnHandle = {
      conversationId,
      userMessage: presentMessage(userMessage),
      assistantMessageId: messageId,
      isReplay: false,
      subscribe: channel.subscribe,
      outcome,
    };
    deps.announceContinuedReply?.({ tenantId: actor.tenantId, ownerId: context.conversation.ownerId, handle });
    return handle;
  }

  return { decide };
}

/** A handle for a reply that does not continue yet: it starts and finishes at once, with the stored message. */
function settledHandle(userMessage: MessageRow, assistantMessage: MessageRow): ChatTurnHandle {
  const channel = createTurnChannel();
  const user = presentMessage(userMessage);
  const assistant = presentMessage(assistantMessage);
  channel.emit({
    type: 'message-started',
    conversationId: assistant.conversationId,
    userMessage: user,
    assistantMessageId: assistant.id,
    replySeq: assistant.seq,
    model: assistant.model ?? '',
  });
  channel.emit({ type: 'finished', assistantMessage: assistant });
  return {
    conversationId: assistant.conversationId,
    userMessage: user,
    assistantMessageId: assistant.id,
    isReplay: false,
    subscribe: channel.subscribe,
    outcome: Promise.resolve({
      conversationId: assistant.conversationId,
      userMessage: user,
      assistantMessage: assistant,
    }),
  };
}

/** Runs the approved calls, then the model from where it stopped, and stores the whole reply as one. */
async function continueReply(
  deps: ToolApprovalDeps,
  tools: ChatToolsDeps,
  resumed: ResumedReply,
  channel: TurnChannel,
  stopped: AbortSignal,
): Promise<ChatTurnOutcome> {
  const { actor, agent, resolved, conversationId, assistantMessage } = resumed;
  const userMessage = presentMessage(resumed.userMessage);
  channel.emit({
    type: 'message-started',
    conversationId,
    userMessage,
    assistantMessageId: assistantMessage.id,
    replySeq: assistantMessage.seq,
    model: resolved.modelRef,
  });
  const turn = { tenantId: actor.tenantId, conversationId, assistantMessage, resolved };
  try {
    const turnTools = await resolveTurnTools(
      {
        db: deps.db,
        toolsRepository: tools.repository,
        toolRunner: tools.toolRunner,
        knowledgeSearch: deps.knowledgeSearch,
      },
      {
        actor,
        agentId: agent.id,
        conversationId,
        toolKeys: agent.toolKeys,
        knowledgeSourceIds: agent.knowledgeSourceIds,
      },
    );
    const decided = await runDecidedCalls(turnTools, resumed.decided, channel, {
      timeoutMs: deps.modelTimeoutMs,
      // Stopping the reply (or the node) ends an approved tool's run too, as it does in a plain turn.
      signal: AbortSignal.any([deps.shutdown.ending, stopped]),
    });
    // The same window as the turn's first call: from where the newest summary ends (history-window.ts).
    const read = await readHistoryBefore(deps, deps.db, {
      tenantId: actor.tenantId,
      conversationId,
      messageId: assistantMessage.id,
    });
    const { system, messages } = await promptOf(
      deps,
      {
        tenantId: actor.tenantId,
        conversationId,
        modelRef: resolved.modelRef,
        maxOutputTokens: agent.maxOutputTokens,
        instructions: agent.instructions.trim(),
        knowledge: await resumedKnowledge(deps, resumed),
        // The reply's text so far follows the history (resumedMessages): the window leaves room for it.
        sentAfter: assistantMessage.content,
      },
      read,
    );
    const result = await runToolTurn(
      { ...deps, tools },
      {
        actor,
        agent,
        conversationId,
        resolved,
        system,
        messages: [...toLoopMessages(messages), ...resumedMessages(assistantMessage.content, decided)],
        timeoutMs: deps.modelTimeoutMs,
        abortSignal: AbortSignal.any([deps.shutdown.ending, stopped]),
      },
      (event) => channel.emit(event),
    );
    const whole: ToolLoopResult = {
      ...cutShort(deps, result, stopped),
      text: assistantMessage.content + result.text,
      reasoning: (assistantMessage.reasoning ?? '') + result.reasoning,
      usage: sumUsage(
        {
          inputTokens: assistantMessage.inputTokens,
          outputTokens: assistantMessage.outputTokens,
          reasoningTokens: assistantMessage.reasoningTokens,
          totalTokens: assistantMessage.totalTokens,
        },
        result.usage,
      ),
      toolCalls: [...decided, ...result.toolCalls],
    };
    const { message: stored, error } = await storeReply(deps, turn, whole, null);
    deps.metrics.chatTurns.inc({ outcome: turnOutcome(stored, error) });
    if (error) {
      channel.emit({ type: 'error', error, assistantMessage: stored });
      return { conversationId, userMessage, assistantMessage: stored, error };
    }
    channel.emit({ type: 'finished', assistantMessage: stored });
    if (!resumed.hasTitle && isCompleteOrStopped(stored)) {
      const titled = { ...turn, actor, isFirstTurn: false, userMessage: resumed.userMessage };
      scheduleTitle(deps, titled, whole.text);
    }
    return { conversationId, userMessage, assistantMessage: stored };
  } catch (error) {
    deps.logger.error({ err: error, conversationId, messageId: assistantMessage.id }, 'continuing a reply failed');
    const failure = {
      code: 'internal' as const,
      message: 'The reply could not be continued; quote the request id when reporting it',
    };
    const failed = failedReply(assistantMessage, failure);
    await storeFailedReply(deps, actor.tenantId, failed).catch(() => undefined);
    const view: MessageView = presentMessage(failed);
    channel.emit({ type: 'error', error: failure, assistantMessage: view });
    return { conversationId, userMessage, assistantMessage: view, error: failure };
  }
}

/** A reply waiting for (or continuing after) a decision, failed with `failure`. */
function failedReply(message: MessageRow, failure: { readonly code: ErrorCode; readonly message: string }): MessageRow {
  return {
    ...message,
    status: 'error',
    errorCode: failure.code,
    errorMessage: failure.message,
    finishReason: 'error',
    completedAt: new Date(),
  };
}

async function storeFailedReply(
  deps: Pick<ToolApprovalDeps, 'db' | 'repository'>,
  tenantId: string,
  failed: MessageRow,
): Promise<void> {
  await deps.repository.recordReply(deps.db, {
    tenantId,
    conversationId: failed.conversationId,
    messageId: failed.id,
    result: failed,
  });
}

/** Executes the calls the user approved (a tool gone since is an error the model reads); denied ones stay denied. */
async function runDecidedCalls(
  tools: TurnTools,
  calls: readonly StoredToolCall[],
  channel: TurnChannel,
  run: { readonly timeoutMs: number; readonly signal: AbortSignal },
): Promise<StoredToolCall[]> {
  const decided: StoredToolCall[] = [];
  for (const call of calls) {
    if (call.state === 'denied') {
      channel.emit({
        type: 'tool-result',
        toolCallId: call.toolCallId,
        errorText: call.errorMessage ?? '',
        isDenied: true,
      });
    }
    if (call.state !== 'running') {
      decided.push(call);
      continue;
    }
    const found = toolOfCall(tools, call);
    try {
      if (!found) throw new Error(`Tool '${call.toolName}' is no longer available to this agent`);
      const signal = AbortSignal.any([AbortSignal.timeout(run.timeoutMs), run.signal]);
      const output = await runTurnTool(found, call.input, signal, call.toolCallId);
      decided.push({ ...call, state: 'complete', output });
      channel.emit({ type: 'tool-result', toolCallId: call.toolCallId, output });
    } catch (error) {
      const errorMessage = error instanceof Error ? error.message : 'The tool call failed';
      decided.push({ ...call, state: 'error', errorMessage });
      channel.emit({ type: 'tool-result', toolCallId: call.toolCallId, errorText: errorMessage });
    }
  }
  return decided;
}

/**
 * The passages the reply started from, found again for the user's message, so the continued reply
 * answers from the same knowledge. Searching again beats storing them; a failed search continues without.
 */
async function resumedKnowledge(deps: ToolApprovalDeps, resumed: ResumedReply): Promise<TurnKnowledge | undefined> {
  const { agent, actor } = resumed;
  if (agent.knowledgeSourceIds.length === 0 || !deps.knowledgeSearch) return undefined;
  try {
    return await retrieveTurnKnowledge(deps.knowledgeSearch, {
      tenantId: actor.tenantId,
      sourceIds: agent.knowledgeSourceIds,
      query: resumed.userMessage.content,
      signal: AbortSignal.timeout(deps.modelTimeoutMs),
    });
  } catch (error) {
    deps.logger.error(
      { err: error, conversationId: resumed.conversationId },
      'knowledge search for a continued reply failed',
    );
    return undefined;
  }
}
