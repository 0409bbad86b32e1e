/**
 * What a model call was for, as the usage ledger records it and analytics shows spend: every place that
 * resolves a model names one, so a new path cannot reach a provider uncounted or unlabelled.
 */
export const usagePaths = [
  /** A person's chat turn, its retry, and the continuation after a tool approval. */
  'chat',
  /** The desk's AI answering a contact (widget or API channel). */
  'support',
  /** `/v1/chat/completions`. */
  'openai_api',
  'title',
  'summary',
  'memory',
  'personality',
  'proactive',
  /** The summary an operator reads when a conversation is handed over. */
  'handoff_summary',
  'reply_suggestion',
] as const;

export type UsagePath = (typeof usagePaths)[number];

/** Who and what one model call was for: the ledger's row names them. */
export interface UsageSubject {
  readonly path: UsagePath;
  readonly userId?: string | null | undefined;
  readonly contactId?: string | null | undefined;
  readonly agentId?: string | null | undefined;
  readonly conversationId?: string | null | undefined;
}

/** How a call ended, for the ledger. */
export type CallOutcome = 'finished' | 'stopped' | 'failed';
