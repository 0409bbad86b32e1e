import { z } from 'zod';
import type { SuggestionRow } from './personality-suggestions.repository.js';

export const suggestionParams = z.object({ id: z.uuid(), suggestionId: z.uuid() });

export const applySuggestionBody = z.strictObject({
  /**
   * `conversation`: this conversation keeps the proposed personality. `agent`: the agent's own
   * instructions get it, for everyone (only someone allowed to edit the agent).
   */
  target: z.enum(['conversation', 'agent'], "must be 'conversation' or 'agent'"),
});
export type ApplySuggestionInput = z.infer<typeof applySuggestionBody>;

export const suggestionSchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  agentId: z.uuid(),
  /** Instructions given after the agent's own, which they take precedence over. */
  instructions: z.string(),
  reason: z.string(),
  confidence: z.number(),
  /** The model that made it (`offline` for the built-in rules). */
  model: z.string(),
  /** The user turns it read, up to this message. */
  userTurns: z.number().int(),
  throughMessageId: z.uuid(),
  status: z.enum(['pending', 'applied', 'dismissed']),
  appliedTo: z.enum(['conversation', 'agent']).nullable(),
  /** Applied to its conversation on its own: the model was at least the agent's `autoApplyMinConfidence` sure. */
  autoApplied: z.boolean(),
  /** Who applied or dismissed it; null while pending, when applied on its own, or once that user is gone. */
  decidedBy: z.uuid().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type SuggestionView = z.infer<typeof suggestionSchema>;

export const suggestionListSchema = z.object({
  /** The personality the conversation keeps now (an applied suggestion), or null: the agent's own. */
  personalityOverride: z.string().nullable(),
  /** Newest first, at most 100 (one a day at most). */
  items: z.array(suggestionSchema),
});
export type SuggestionListView = z.infer<typeof suggestionListSchema>;

export const presentSuggestion = (row: SuggestionRow): SuggestionView => ({
  id: row.id,
  conversationId: row.conversationId,
  agentId: row.agentId,
  instructions: row.instructions,
  reason: row.reason,
  confidence: row.confidence,
  model: row.model,
  userTurns: row.userTurns,
  throughMessageId: row.throughMessageId,
  status: row.status,
  appliedTo: row.appliedTo,
  autoApplied: row.autoApplied,
  decidedBy: row.decidedBy,
  decidedAt: row.decidedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});
