import type { MessageRow } from './chat-turn.repository.js';
import type { NewTurn } from './turn-store.repository.js';

/** The two rows a turn inserts, as the database stores them (every other column takes its default, null). */
export function newTurnRows(turn: NewTurn, assistantSeq: number): { user: MessageRow; assistant: MessageRow } {
  const empty = {
    tenantId: turn.tenantId,
    conversationId: turn.conversationId,
    reasoning: null,
    errorCode: null,
    errorMessage: null,
    inputTokens: null,
    outputTokens: null,
    reasoningTokens: null,
    totalTokens: null,
    timeToFirstTokenMs: null,
    durationMs: null,
    finishReason: null,
    citations: null,
    passagesFound: null,
    attachments: null,
    toolCalls: null,
    readAt: null,
    authorId: null,
    authorName: null,
    clientMessageId: null,
    proactive: false,
    replyGroupId: null,
    replyPosition: null,
    createdAt: turn.now,
  } as const;
  return {
    user: {
      ...empty,
      id: turn.userMessageId,
      role: 'user',
      content: turn.content,
      attachments: turn.attachments,
      status: 'complete',
      model: null,
      agentVersion: null,
      completedAt: turn.now,
      aliveAt: null,
      seq: assistantSeq - 1,
    },
    assistant: {
      ...empty,
      id: turn.assistantMessageId,
      role: 'assistant',
      content: '',
      attachments: null,
      status: 'streaming',
      model: turn.modelRef,
      agentVersion: turn.agentVersion,
      completedAt: null,
      aliveAt: turn.now,
      seq: assistantSeq,
    },
  };
}
