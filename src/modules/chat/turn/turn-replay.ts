import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../../platform/db/client.js';
import { errorStatusByCode, notFound, type ErrorCode } from '../../../platform/errors.js';
import { presentMessage, type MessageView } from '../../conversations/index.js';
import type { BackgroundTasks } from './background-tasks.js';
import { createTurnChannel, type ChatTurnHandle, type ChatTurnOutcome, type TurnError } from './chat-events.js';
import type { ChatRepository, IdempotencyKeyRow, MessageRow } from '../chat.repository.js';
import { replyLease } from '../reply-control/reply-leases.js';

export interface TurnReplayDeps {
  readonly db: Database;
  readonly repository: Pick<ChatRepository, 'findMessage'>;
  readonly background: Pick<BackgroundTasks, 'track'>;
  /** How long a retry waits for a reply still streaming elsewhere before answering with its state. */
  readonly maxWaitMs: number;
  readonly pollIntervalMs: number;
}

/**
 * The answer to a retried request whose turn is not running in this process (it finished, or runs on
 * another node): the stored messages, once the reply has left `streaming`, told as the same events.
 */
export async function replayStoredTurn(deps: TurnReplayDeps, key: IdempotencyKeyRow): Promise<ChatTurnHandle> {
  const [user, assistantAtStart] = await Promise.all([
    deps.repository.findMessage(deps.db, key.tenantId, key.userMessageId),
    deps.repository.findMessage(deps.db, key.tenantId, key.assistantMessageId),
  ]);
  if (!user) throw notFound('Conversation', key.conversationId);
  const userMessage = presentMessage(user);
  const channel = createTurnChannel();
  channel.emit({
    type: 'message-started',
    conversationId: key.conversationId,
    userMessage,
    assistantMessageId: key.assistantMessageId,
    replySeq: assistantAtStart?.seq ?? 0,
    // The reply's row names its model from the moment the turn was stored.
    model: assistantAtStart?.model ?? '',
  });
  const outcome = deps.background.track(
    'chat-turn-replay',
    waitWhileStreaming(deps, key.tenantId, assistantAtStart).then((assistant): ChatTurnOutcome => {
      const assistantMessage = presentMessage(assistant ?? deletedReply(user, key.assistantMessageId));
      if (assistantMessage.reasoning) channel.emit({ type: 'reasoning-delta', delta: assistantMessage.reasoning });
      if (assistantMessage.content) channel.emit({ type: 'text-delta', delta: assistantMessage.content });
      const error =
        storedError(assistantMessage) ?? (assistantMessage.status === 'streaming' ? stillBeingWritten() : undefined);
      channel.emit(error ? { type: 'error', error, assistantMessage } : { type: 'finished', assistantMessage });
      return { conversationId: key.conversationId, userMessage, assistantMessage, ...(error && { error }) };
    }),
  );
  return {
    conversationId: key.conversationId,
    userMessage,
    assistantMessageId: key.assistantMessageId,
    isReplay: true,
    subscribe: channel.subscribe,
    outcome,
  };
}

/**
 * The reply once it has left `streaming` (written elsewhere: another node, or a turn of this one), or
 * as it is when `maxWaitMs` is over or its lease went stale (its node stopped: nobody will store it);
 * undefined once it is gone with its conversation.
 */
export async function waitWhileStreaming(
  deps: Pick<TurnReplayDeps, 'db' | 'repository' | 'maxWaitMs' | 'pollIntervalMs'>,
  tenantId: string,
  firstRead: MessageRow | undefined,
): Promise<MessageRow | undefined> {
  const deadline = Date.now() + deps.maxWaitMs;
  let assistant = firstRead;
  for (;;) {
    if (!assistant || assistant.status !== 'streaming' || Date.now() >= deadline) return assistant;
    if (assistant.aliveAt && Date.now() - assistant.aliveAt.getTime() > replyLease.staleAfterMs) return assistant;
    await sleep(deps.pollIntervalMs);
    assistant = await deps.repository.findMessage(deps.db, tenantId, assistant.id);
  }
}

/**
 * The reply is still `streaming` when the wait is over: its node may have stopped before it could
 * mark it (a crash, a kill); the sweep marks it interrupted later. Not a success with an empty reply.
 */
function stillBeingWritten(): TurnError {
  return {
    code: 'conflict',
    message:
      'The reply to the first request with this Idempotency-Key is not stored yet: it is still being written, ' +
      "or its server stopped; read the conversation's messages later to see it, or send again with a new key",
  };
}

/** The conversation was deleted between the first request and its retry. */
function deletedReply(user: MessageRow, assistantMessageId: string): MessageRow {
  return {
    ...user,
    id: assistantMessageId,
    role: 'assistant',
    content: '',
    status: 'error',
    errorCode: 'not_found',
    errorMessage: 'The conversation was deleted before the reply could be read',
  };
}

function storedError(message: MessageView): TurnError | undefined {
  if (message.status !== 'error') return undefined;
  const code = message.error?.code ?? 'model_error';
  return {
    code: code in errorStatusByCode ? (code as ErrorCode) : 'model_error',
    message: message.error?.message || 'The model call failed',
  };
}
