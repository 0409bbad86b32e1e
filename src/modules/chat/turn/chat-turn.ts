import type { Actor } from '../../../access/actor.js';
import { inSpan } from '../../../platform/tracing/spans.js';
import type { Database } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/logger.js';
import type { Metrics } from '../../../platform/metrics.js';
import type { Shutdown } from '../../../platform/shutdown.js';
import {
  isCompleteOrStopped,
  presentMessage,
  shownStatusOf,
  type MessageEvents,
  type MessageView,
} from '../../conversations/index.js';
import type { BackgroundTasks } from './background-tasks.js';
import {
  createTurnChannel,
  type ChatTurnHandle,
  type ChatTurnOutcome,
  type TurnChannel,
  type TurnError,
} from './chat-events.js';
import type { ChatRepository, MessageRow } from '../chat.repository.js';
import { writeConversationTitle } from './conversation-title.js';
import { logModelFailure } from './model-failure-log.js';
import type { ResolvedModel } from './model-resolver.js';
import {
  interruptedReply,
  modelCallCancelled,
  streamModelReply,
  type ModelStreamDeps,
  type ModelStreamResult,
} from './model-stream.js';
import type { ReplyStops } from '../reply-control/reply-stops.js';
import { emptyResult, internalTurnError, markFailed, presentFailed, storeReply } from './reply-storing.js';
import { deliverLaterBubbles, writeSplitReply, type SplitModelResult } from './split-reply-turn.js';
import type { AttachmentPartsSource } from './turn-messages.js';
import { promptOf, type StoredHistoryRead } from './prompt-history.js';
import type { ToolLoopResult } from '../tools/tool-loop.js';
import type { BuiltinTool } from '../tools/builtin-tools.js';
import { runToolTurn, toLoopMessages, usesTools, type ChatToolsDeps, type TurnAgent } from '../tools/tool-turn.js';
import {
  citationsCitedIn,
  knowledgeFailure,
  retrieveTurnKnowledge,
  type PassageSearch,
  type TurnKnowledge,
} from './turn-knowledge.js';

export interface ChatTurnDeps {
  readonly db: Database;
  readonly repository: ChatRepository;
  readonly metrics: Pick<Metrics, 'chatTurns'>;
  readonly modelStream: ModelStreamDeps;
  readonly background: BackgroundTasks;
  readonly logger: Pick<Logger, 'error' | 'warn'>;
  readonly modelTimeoutMs: number;
  /** The most messages one read of the history returns, the user's new one included (a bound on the read). */
  readonly historyLimit: number;
  /** CHAT_HISTORY_MAX_CHARS: the longest a history message is read; an older one read cut is not sent. */
  readonly historyMaxChars: number;
  /** CHAT_HISTORY_MAX_TOKENS: the most history a prompt holds; the model's context may allow less. */
  readonly historyMaxTokens: number;
  /** MODEL_CONTEXT_TOKENS: the context of a model whose family is not known (ai/model-context.ts). */
  readonly defaultContextTokens: number;
  /** What a model is given for messages' files (the files module); only turns with files call it. */
  readonly attachmentParts: AttachmentPartsSource | undefined;
  /** Searches the knowledge sources of agents that have some; turns of other agents never touch it. */
  readonly knowledgeSearch: PassageSearch | undefined;
  /** Agents' tools (the MCP runner and the tools' SQL); absent, no turn offers tools. */
  readonly tools: ChatToolsDeps | undefined;
  /** The node's stop: no new turn once it drains, and the turns still running end when its grace is over. */
  readonly shutdown: Pick<Shutdown, 'isDraining' | 'ending'>;
  /** Where a turn registers its reply, so its owner (or the conversation's deletion) can stop it. */
  readonly stops: Pick<ReplyStops, 'track'>;
  /** What an agent with memory knew of the user when the conversation began (the companion module). */
  readonly knownFacts?: (
    tenantId: string,
    conversationId: string,
    agentId: string,
    userId: string,
  ) => Promise<string[]>;
  /**
   * Tools a conversation brings whatever its agent's (a support conversation's `handoff_to_human`, from
   * the inbox module); asked only for support conversations' turns on a model that can call tools.
   */
  readonly conversationTools?: (tenantId: string, conversationId: string) => Promise<readonly BuiltinTool[]>;
  /** Told of every turn as it starts, to publish its events (the realtime module); stores nothing. */
  readonly announceTurn?: (turn: TurnAnnouncement) => void;
  /**
   * Told of a reply that goes on after its tool calls were decided, to publish the rest of its events
   * (the realtime module): not a new turn, so nothing else (webhooks, the companion) hears of it.
   */
  readonly announceContinuedReply?: (turn: TurnAnnouncement) => void;
  /** Told of a reply still waiting for approval after one of its calls was decided: its new state, with its seq. */
  readonly announceWaitingReply?: (tenantId: string, reply: MessageView) => void;
  /**
   * Whether the AI may answer a support conversation now (the inbox module: only while it is `bot`).
   * Asked after the reply is registered with the stops, so a take, a hand-over or a resolve either is
   * seen here or stops the reply: before the model is called, and again before the reply is stored.
   */
  readonly supportGate?: {
    mayAnswer(tenantId: string, conversationId: string): Promise<boolean>;
    hasPerson(tenantId: string, conversationId: string): Promise<boolean>;
  };
  /**
   * Where the turn's messages are announced (webhooks' `message.created`), each in the transaction that
   * stores it: the user's message, a reply once stored complete, a split reply's later bubbles.
   */
  readonly messageEvents?: MessageEvents;
  /** Told of a title the background job gave a conversation, for its live watchers (realtime). */
  readonly announceTitle?: (title: {
    tenantId: string;
    ownerId: string;
    conversationId: string;
    title: string;
    /** The conversation's state with it, as its log holds the change (conversation-updated). */
    archived: boolean;
    projectId: string | null;
    /** The seq the title took in the conversation's log (its `state_seq`). */
    seq: number;
  }) => void;
}

/** A turn as the realtime layer hears of it: whose it is, and its events. */
export interface TurnAnnouncement {
  readonly tenantId: string;
  /** The conversation's owner (only the owner sends). */
  readonly ownerId: string;
  readonly handle: ChatTurnHandle;
  /**
   * A new turn's agent, with its companion settings as the turn read them (so the companion module need
   * not read them again); absent for a reply going on after its tool calls were decided.
   */
  readonly agent?: { readonly id: string; readonly companion?: unknown };
}

/** A turn whose two messages are already stored (user: complete, assistant: streaming). */
export interface StoredTurn {
  /** Whose turn it is: the agent's MCP tools run as (and are logged under) this user. */
  readonly actor: Actor;
  readonly tenantId: string;
  readonly conversationId: string;
  readonly hasTitle: boolean;
  /** The conversation had no messages before this turn's, so the user's message is its first. */
  readonly isFirstTurn: boolean;
  /** The chat behind a support conversation: the desk decides whether the AI may answer (`supportGate`). */
  readonly isSupport: boolean;
  readonly userMessage: MessageRow;
  readonly assistantMessage: MessageRow;
  /**
   * The newest messages, oldest first, ending with the message it answers, and the conversation's newest
   * summary before it (read when the turn was stored).
   */
  readonly history: StoredHistoryRead;
  readonly agent: TurnAgent;
  readonly resolved: ResolvedModel;
}

/**
 * Runs the model for a stored turn and stores its reply. Deliberately not tied to any request: a
 * client that disconnects does not stop it. No transaction is open while the model streams.
 */
export function startChatTurn(deps: ChatTurnDeps, turn: StoredTurn): ChatTurnHandle {
  // The actor is the conversation's owner: only the owner sends (canPostAsOwner).
  const run = deps.stops.track(turn.conversationId, turn.assistantMessage.id, turn.actor.userId);
  const channel = createTurnChannel(run);
  const userMessage = presentMessage(turn.userMessage);
  const outcome = deps.background.track(
    'chat-turn',
    runTurn(deps, turn, channel, userMessage, run.signal).finally(run.done),
  );
  const handle: ChatTurnHandle = {
    conversationId: turn.conversationId,
    userMessage,
    assistantMessageId: turn.assistantMessage.id,
    isReplay: false,
    subscribe: channel.subscribe,
    outcome,
  };
  deps.announceTurn?.({
    tenantId: turn.tenantId,
    ownerId: turn.actor.userId,
    handle,
    agent: { id: turn.agent.id, companion: turn.agent.companion },
  });
  return handle;
}

async function runTurn(
  deps: ChatTurnDeps,
  turn: StoredTurn,
  channel: TurnChannel,
  userMessage: MessageView,
  stopped: AbortSignal,
): Promise<ChatTurnOutcome> {
  const { conversationId, resolved, agent } = turn;
  const assistantMessageId = turn.assistantMessage.id;
  const abortSignal = AbortSignal.any([deps.shutdown.ending, stopped]);
  channel.emit({
    type: 'message-started',
    conversationId,
    userMessage,
    assistantMessageId,
    replySeq: turn.assistantMessage.seq,
    model: resolved.modelRef,
  });
  let result: ModelStreamResult | ToolLoopResult | undefined;
  try {
    // Only agents with sources search; every other turn goes straight to the model (ADR 7).
    let knowledge: TurnKnowledge | undefined;
    // Stopped, or the node stopping, while the sources were searched: no model is called, and the reply
    // is stored as one cut short before its first word.
    let cancelledBeforeModel: ModelStreamResult | undefined;
    if (!(await mayAnswerNow(deps, turn))) cancelledBeforeModel = { ...emptyResult, finishReason: 'stopped' };
    if (!cancelledBeforeModel && agent.knowledgeSourceIds.length > 0) {
      const retrieved = await retrieveKnowledge(deps, turn, abortSignal);
      if ('cancelled' in retrieved) {
        cancelledBeforeModel = { ...emptyResult, error: modelCallCancelled };
      } else if ('error' in retrieved) {
        const assistantMessage = await markFailed(deps, turn, undefined, retrieved.error);
        deps.metrics.chatTurns.inc({ outcome: 'error' });
        channel.emit({ type: 'error', error: retrieved.error, assistantMessage });
        return { conversationId, userMessage, assistantMessage, error: retrieved.error };
      }
      if ('knowledge' in retrieved) {
        knowledge = retrieved.knowledge;
        channel.emit({ type: 'sources', citations: knowledge.citations });
      }
    }
    // Instructions, the user's facts, then the summary of everything before the window (history-window.ts).
    const { system, messages } = await promptOf(
      deps,
      {
        tenantId: turn.tenantId,
        conversationId,
        modelRef: resolved.modelRef,
        maxOutputTokens: agent.maxOutputTokens,
        instructions: withFacts(agent.instructions.trim(), await factsOfUser(deps, turn)),
        knowledge,
      },
      turn.history,
    );
    // Only a support conversation brings tools of its own (the desk's hand-over): other turns ask nothing.
    const conversationTools =
      turn.isSupport && deps.tools && deps.conversationTools && !resolved.isOffline && !cancelledBeforeModel
        ? await deps.conversationTools(turn.tenantId, conversationId)
        : [];
    const takesToolLoop = deps.tools && (usesTools(agent, resolved) || conversationTools.length > 0);
    // Split replies are for plain model turns; a turn through the tool loop answers in one message.
    const split = !takesToolLoop && !cancelledBeforeModel ? agent.splitReplies : undefined;
    // What the model is asked, whether it answers in one message or in bubbles.
    const modelRequest = {
      model: resolved.model,
      providerName: resolved.providerName,
      metricLabels: resolved.metricLabels,
      system,
      messages,
      temperature: agent.temperature ?? undefined,
      maxOutputTokens: agent.maxOutputTokens ?? undefined,
      timeoutMs: deps.modelTimeoutMs,
      abortSignal,
    };
    let splitResult: SplitModelResult | undefined;
    if (split) {
      splitResult = await writeSplitReply(
        deps.modelStream,
        modelRequest,
        { settings: split, isOffline: resolved.isOffline, stopped },
        (event) => channel.emit(event),
      );
      // The first bubble goes out as the reply's text; it is the turn's first message.
      if (splitResult.text) channel.emit({ type: 'text-delta', delta: splitResult.text });
    }
    result =
      cancelledBeforeModel ??
      splitResult ??
      (takesToolLoop
        ? await runToolTurn(
            { ...deps, tools: deps.tools },
            {
              actor: turn.actor,
              agent,
              conversationId,
              resolved,
              system,
              messages: toLoopMessages(messages),
              timeoutMs: deps.modelTimeoutMs,
              abortSignal,
              conversationTools,
            },
            (event) => channel.emit(event),
          )
        : await streamModelReply(deps.modelStream, modelRequest, (event) => channel.emit(event)));
    result = cutShort(deps, result, stopped);
    // A person took the conversation (or it was handed over, resolved) while the model wrote: the reply
    // is kept as stopped, for the operator, not stored as the AI's complete answer.
    const isClosedByTool = 'isClosedByTool' in result && result.isClosedByTool === true;
    if (!cancelledBeforeModel && !result.error && !isClosedByTool && !(await mayAnswerNow(deps, turn))) {
      result = { ...result, finishReason: 'stopped' };
    }
    let laterBubbles: MessageView[] = [];
    let storedTurn = turn;
    if (
      split &&
      splitResult &&
      !result.error &&
      result.finishReason !== 'stopped' &&
      splitResult.laterBubbles.length > 0
    ) {
      const delivery = await deliverLaterBubbles(
        deps,
        {
          tenantId: turn.tenantId,
          conversationId,
          headId: assistantMessageId,
          modelRef: resolved.modelRef,
          bubbles: splitResult.laterBubbles,
          settings: split,
          signal: abortSignal,
        },
        (event) => channel.emit(event),
      );
      laterBubbles = delivery.delivered;
      // A stop between bubbles keeps what was delivered: the reply ends there, as stopped.
      if (delivery.isCut) result = { ...result, finishReason: 'stopped' };
      if (laterBubbles.length > 0) {
        storedTurn = {
          ...turn,
          assistantMessage: { ...turn.assistantMessage, replyGroupId: assistantMessageId, replyPosition: 0 },
        };
      }
    }
    const repliedText = [result.text, ...laterBubbles.map((bubble) => bubble.content)].join('\n\n');
    const citations = knowledge ? citationsCitedIn(knowledge.citations, repliedText) : null;
    // A split reply's summary count is through its last bubble: the companion reads it (watchTurn).
    const countsSummaryTurns = agent.keepsSummaries === true && laterBubbles.length === 0;
    const settled = result;
    const {
      message: stored,
      error,
      userTurnsSinceSummary,
    } = await inSpan('chat.store reply', {}, () =>
      storeReply(deps, storedTurn, settled, citations, knowledge?.citations.length, countsSummaryTurns),
    );
    deps.metrics.chatTurns.inc({ outcome: turnOutcome(stored, error) });
    if (result.error) {
      const { tenantId, actor } = turn;
      logModelFailure(
        deps.logger,
        {
          tenantId,
          userId: actor.userId,
          conversationId,
          messageId: assistantMessageId,
          provider: resolved.metricLabels.provider,
        },
        { error: result.error, providerSaid: result.providerSaid },
      );
    }
    if (error) {
      channel.emit({ type: 'error', error, assistantMessage: stored });
      return { conversationId, userMessage, assistantMessage: stored, error };
    }
    channel.emit({ type: 'finished', assistantMessage: stored });
    // A reply awaiting approval is titled when it is finished (tool-approval.ts).
    if (!turn.hasTitle && isCompleteOrStopped(stored)) scheduleTitle(deps, turn, repliedText);
    return {
      conversationId,
      userMessage,
      assistantMessage: stored,
      laterBubbles,
      ...(userTurnsSinceSummary !== undefined && { userTurnsSinceSummary }),
    };
  } catch (error) {
    deps.logger.error({ err: error, conversationId, messageId: assistantMessageId }, 'chat turn failed');
    deps.metrics.chatTurns.inc({ outcome: 'error' });
    const assistantMessage = await markFailed(deps, turn, result).catch(() => presentFailed(turn, result));
    channel.emit({ type: 'error', error: internalTurnError, assistantMessage });
    return { conversationId, userMessage, assistantMessage, error: internalTurnError };
  } finally {
    // A charge the reply's statement did not take (a stopped or failed reply, one awaiting approval).
    await resolved.chargeHandoff?.runParkedAlone();
  }
}

/**
 * A reply whose model call was cut short, told as what happened rather than as a cancelled call. Its
 * owner stopped it: what was written until then is the reply, `complete` with the finish reason
 * `stopped`. This node is stopping: the reply failed, and says to send the message again (the user did
 * nothing wrong, and no model failed).
 */
export function cutShort<T extends ModelStreamResult>(
  deps: Pick<ChatTurnDeps, 'shutdown'>,
  result: T,
  stopped: AbortSignal,
): T {
  if (!result.error) return result;
  if (stopped.aborted) {
    const { error: _cancelled, ...written } = result;
    return { ...written, finishReason: 'stopped' } as T;
  }
  return deps.shutdown.ending.aborted ? { ...result, error: interruptedReply } : result;
}

/** A support conversation's turn asks the desk; any other may always answer. */
async function mayAnswerNow(deps: Pick<ChatTurnDeps, 'supportGate'>, turn: StoredTurn): Promise<boolean> {
  if (!turn.isSupport || !deps.supportGate) return true;
  return deps.supportGate.mayAnswer(turn.tenantId, turn.conversationId);
}

/** The `outcome` label of the chat turns metric. */
export function turnOutcome(stored: MessageView, error: TurnError | undefined): 'error' | 'stopped' | 'complete' {
  if (error) return 'error';
  return shownStatusOf(stored) === 'stopped' ? 'stopped' : 'complete';
}

/** For agents with memory only: what they knew of the user when this conversation began. */
async function factsOfUser(
  deps: Pick<ChatTurnDeps, 'knownFacts' | 'logger'>,
  turn: StoredTurn,
): Promise<readonly string[]> {
  if (!turn.agent.hasMemory || !deps.knownFacts) return [];
  return deps
    .knownFacts(turn.tenantId, turn.conversationId, turn.agent.id, turn.actor.userId)
    .catch((error: unknown) => {
      deps.logger.warn({ err: error, conversationId: turn.conversationId }, "could not read the agent's memories");
      return [];
    });
}

const withFacts = (instructions: string, facts: readonly string[]): string =>
  facts.length > 0
    ? `${instructions}${instructions ? '\n\n' : ''}What you remember about this user from earlier conversations:\n${facts.map((fact) => `- ${fact}`).join('\n')}`
    : instructions;

/** The agent's passages for the user's message, or why they could not be had (logged; the reply then fails). */
async function retrieveKnowledge(
  deps: ChatTurnDeps,
  turn: StoredTurn,
  abortSignal: AbortSignal,
): Promise<{ knowledge: TurnKnowledge } | { error: TurnError } | { cancelled: true }> {
  try {
    if (!deps.knowledgeSearch) throw new Error('no knowledge search is wired into chat');
    const knowledge = await retrieveTurnKnowledge(deps.knowledgeSearch, {
      tenantId: turn.tenantId,
      sourceIds: turn.agent.knowledgeSourceIds,
      query: turn.userMessage.content,
      signal: AbortSignal.any([AbortSignal.timeout(deps.modelTimeoutMs), abortSignal]),
    });
    return { knowledge };
  } catch (error) {
    if (abortSignal.aborted) return { cancelled: true };
    deps.logger.error({ err: error, conversationId: turn.conversationId }, 'knowledge search for a chat turn failed');
    return { error: knowledgeFailure(error) };
  }
}

/** Outside the turn's critical path: the reply is already stored and announced. */
export function scheduleTitle(
  deps: Pick<ChatTurnDeps, 'db' | 'repository' | 'background' | 'announceTitle'>,
  turn: Pick<StoredTurn, 'isFirstTurn' | 'userMessage' | 'tenantId' | 'conversationId' | 'resolved' | 'actor'>,
  reply: string,
): void {
  deps.background.run('conversation-title', async () => {
    const { db, repository } = deps;
    const firstUserMessage = turn.isFirstTurn
      ? turn.userMessage.content
      : ((await repository.firstUserMessage(db, turn.tenantId, turn.conversationId)) ?? turn.userMessage.content);
    const title = await writeConversationTitle(turn.resolved, firstUserMessage, reply);
    const titled = await repository.setTitleIfEmpty(db, turn.tenantId, turn.conversationId, title);
    if (titled) {
      // Only the owner writes to a conversation, so the turn's actor is its owner.
      deps.announceTitle?.({
        tenantId: turn.tenantId,
        ownerId: turn.actor.userId,
        conversationId: turn.conversationId,
        title,
        archived: titled.archivedAt !== null,
        projectId: titled.projectId,
        seq: titled.stateSeq,
      });
    }
  });
}
