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
  /** A knowledge document's chunks embedded for the index. */
  'embedding',
  /** A search's query embedded (the query endpoint, a chat turn's retrieval, `/mcp`). */
  'query_embedding',
  /** A search's candidates reordered by a reranking model. */
  'rerank',
  /** An audio attachment turned into text when its message is sent. */
  'transcription',
  /** An evaluation run's answers, and its judge model's scores (modules/evaluations). */
  'evaluation',
] as const;

export type UsagePath = (typeof usagePaths)[number];

/** Who and what one model call was for: the ledger's row names them. */
export interface UsageSubject {
  readonly path: UsagePath;
  readonly userId?: string | null | undefined;
  readonly contactId?: string | null | undefined;
  readonly agentId?: string | null | undefined;
  /** The agent's version the call answered as (a chat turn's, an evaluation's). */
  readonly agentVersion?: number | null | undefined;
  readonly conversationId?: string | null | undefined;
}

/** How a call ended, for the ledger. */
export type CallOutcome = 'finished' | 'stopped' | 'failed';

/**
 * A call of a model that is not a language model (embeddings, reranking), recorded in the ledger and
 * counted in the month when it ends. Not refused by a budget: a document half embedded, or a search
 * that fails after the turn was admitted, would leave things worse than the call's cost.
 */
export interface RecordedCall extends UsageSubject {
  readonly modelRef: string;
  readonly inputTokens: number;
  readonly latencyMs: number;
  readonly outcome: CallOutcome;
}

/** Records one such call; never rejects (a call that ran is not failed for its bookkeeping). */
export type RecordModelCall = (tenantId: string, call: RecordedCall) => Promise<void>;

/** What one embeddings request used, as the embedder reports it to its caller. */
export interface EmbeddingCall {
  readonly inputTokens: number;
  readonly latencyMs: number;
  readonly outcome: CallOutcome;
}
