import { z } from 'zod';
import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { isForeignKeyViolation } from '../../platform/db/errors.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobContext, JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { readCompanionSettings } from '../agents/companion-settings.js';
import type { AgentsService } from '../agents/index.js';
import type { ConversationsService } from '../conversations/index.js';
import { proposePersonality } from './personality-analysis.js';
import type { PersonalitySuggestionsRepository, SuggestionRow } from './personality-suggestions.repository.js';
import {
  presentSuggestion,
  type ApplySuggestionInput,
  type SuggestionListView,
  type SuggestionView,
} from './personality-suggestions.schemas.js';
import { conversationSubject, type UtilityModelResolver } from './utility-model.js';

/** The pg-boss queue of personality suggestions: one job per conversation and UTC day. */
export const suggestionJobName = 'companion.suggest-personality';

export const suggestionJobData = z.strictObject({
  tenantId: z.uuid(),
  conversationId: z.uuid(),
  /** The UTC day (YYYY-MM-DD) the suggestion is for: at most one per conversation and day. */
  day: z.iso.date(),
});
export type SuggestionJobData = z.infer<typeof suggestionJobData>;

/** A failed model call or an invalid answer is retried with backoff from 10 s, never stored. */
const suggestionJobOptions = { retryLimit: 4, retryDelaySeconds: 10 } as const;
/** Conversations queued per scan; the next scan takes the rest. */
const scanBatch = 500;
/** The user messages the analysis reads, the latest. */
const analysedMessages = 100;
const listedSuggestions = 100;

export interface PersonalitySuggestionsDeps {
  readonly db: Database;
  readonly repository: PersonalitySuggestionsRepository;
  readonly jobs: Pick<JobQueue, 'send'>;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
  /** Applying to the agent goes through the agents service, so its edit rule is the only one. */
  readonly agents: Pick<AgentsService, 'get' | 'update'>;
  readonly resolveUtilityModel: UtilityModelResolver;
  readonly logger: Pick<Logger, 'error' | 'info'>;
  readonly modelTimeoutMs: number;
  readonly now?: () => Date;
}

const utcDay = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Personality suggestions (docs/companion.md): a periodic scan queues, for conversations past their
 * agent's threshold, one analysis a day; the utility model (or the offline rules) proposes how the agent
 * could talk to this user, and the conversation's owner applies or dismisses it.
 */
export function createPersonalitySuggestionsService(deps: PersonalitySuggestionsDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  /** Queues the day's analysis of every conversation due; answers how many were found due. */
  async function scan(): Promise<number> {
    const day = utcDay(now());
    const due = await repository.dueConversations(db, day, scanBatch);
    for (const { tenantId, conversationId } of due) {
      const data: SuggestionJobData = { tenantId, conversationId, day };
      // One waiting job per conversation, a retry included: a scan while one waits (today's, or one still
      // retrying yesterday's) adds nothing; the next scan after it ran queues what is still due.
      await deps.jobs.send(suggestionJobName, data, { singletonKey: conversationId, isSkippedWhileRetrying: true });
    }
    return due.length;
  }

  /**
   * The job. Run twice at once, or on two nodes, it stores one suggestion: the table keeps one per
   * conversation and day. A conversation deleted meanwhile ends it quietly.
   */
  async function suggest(data: SuggestionJobData, job: Pick<JobContext, 'signal'>): Promise<void> {
    const { tenantId, conversationId, day } = data;
    const context = await repository.analysisContext(db, tenantId, conversationId);
    if (!context?.agentId) return;
    const settings = readCompanionSettings(context.companion);
    if (!settings.personalitySuggestions) return;
    if (await repository.existsOn(db, tenantId, conversationId, day)) return;
    const read = await repository.userMessages(db, tenantId, conversationId, analysedMessages);
    if (read.userTurns < settings.suggestionAfterTurns || !read.lastMessageId) return;
    const resolved = await deps.resolveUtilityModel(tenantId, context, {
      path: 'personality',
      ...conversationSubject(context),
      agentId: context.agentId,
      conversationId,
    });
    const proposal = await proposePersonality(
      resolved,
      { agentInstructions: context.instructions ?? '', userMessages: read.contents },
      { abortSignal: job.signal, timeoutMs: deps.modelTimeoutMs },
    );
    // A model answered (or the rules ran): today's look is done, whatever it found. A failure above
    // leaves the day open, for the job's retries and the next scans.
    await repository.markChecked(db, tenantId, conversationId, day);
    // Nothing to change, or what the conversation keeps already.
    if (!proposal || proposal.instructions === context.personalityOverride?.trim()) return;
    const stored = await repository
      .insert(db, {
        id: newId(),
        tenantId,
        conversationId,
        agentId: context.agentId,
        ...proposal,
        model: resolved.modelRef,
        throughMessageId: read.lastMessageId,
        userTurns: read.userTurns,
        suggestedOn: day,
      })
      .catch((error: unknown) => {
        // The conversation or its agent deleted meanwhile: no one is left to suggest to.
        if (isForeignKeyViolation(error)) return undefined;
        throw error;
      });
    if (!stored) return;
    const threshold = settings.autoApplyMinConfidence;
    if (threshold !== null && stored.confidence >= threshold) await applyOnItsOwn(stored, threshold);
  }

  /** The agent's explicit setting: a confident suggestion goes to its conversation alone, and says so. */
  async function applyOnItsOwn(suggestion: SuggestionRow, threshold: number): Promise<void> {
    const applied = await applyToConversation(suggestion, null, true);
    if (!applied) return;
    deps.logger.info(
      {
        tenantId: suggestion.tenantId,
        conversationId: suggestion.conversationId,
        suggestionId: suggestion.id,
        confidence: suggestion.confidence,
        autoApplyMinConfidence: threshold,
      },
      'personality suggestion applied to its conversation on its own',
    );
  }

  /** The decision and the conversation's override, together or not at all. */
  async function applyToConversation(suggestion: SuggestionRow, decidedBy: string | null, autoApplied: boolean) {
    return db.transaction(async (tx) => {
      const decided = await repository.decide(tx, {
        tenantId: suggestion.tenantId,
        suggestionId: suggestion.id,
        status: 'applied',
        appliedTo: 'conversation',
        decidedBy,
        autoApplied,
        decidedAt: now(),
      });
      if (!decided) return undefined;
      const { tenantId, conversationId, instructions } = suggestion;
      if (!(await repository.setPersonalityOverride(tx, tenantId, conversationId, instructions))) return undefined;
      return decided;
    });
  }

  /** The caller's own conversation; anyone else's, an admin's view included, is a 404 as a missing one. */
  async function requireOwnConversation(actor: Actor, conversationId: string) {
    const conversation = await deps.conversations.findVisible(actor, conversationId);
    if (conversation.ownerId !== actor.userId) throw notFound('Conversation', conversationId);
    return conversation;
  }

  async function requireSuggestion(actor: Actor, conversationId: string, suggestionId: string) {
    await requireOwnConversation(actor, conversationId);
    const suggestion = await repository.find(db, actor.tenantId, conversationId, suggestionId);
    if (!suggestion) throw notFound('Personality suggestion', suggestionId);
    return suggestion;
  }

  const alreadyDecided = (suggestion: SuggestionRow) =>
    new AppError(
      'conflict',
      `Personality suggestion '${suggestion.id}' was ${suggestion.status} already${suggestion.appliedTo ? ` (to the ${suggestion.appliedTo})` : ''}`,
    );

  /** Adds the suggestion to the agent's own instructions: only someone allowed to edit the agent. */
  async function applyToAgent(actor: Actor, suggestion: SuggestionRow): Promise<SuggestionRow> {
    const agent = await deps.agents.get(actor, suggestion.agentId);
    if (agent.instructions === undefined) {
      throw forbidden(`Only the owner of agent '${agent.id}' or an administrator can change its personality`);
    }
    const isOpen =
      suggestion.status === 'pending' || (suggestion.status === 'applied' && suggestion.appliedTo === 'conversation');
    if (!isOpen) throw alreadyDecided(suggestion);
    const instructions = [agent.instructions.trim(), suggestion.instructions].filter(Boolean).join('\n\n');
    await deps.agents.update(actor, agent.id, { instructions });
    const decided = await repository.decide(db, {
      tenantId: actor.tenantId,
      suggestionId: suggestion.id,
      status: 'applied',
      appliedTo: 'agent',
      decidedBy: actor.userId,
      decidedAt: now(),
    });
    if (!decided) throw alreadyDecided(suggestion);
    return decided;
  }

  return {
    scan,
    suggest,

    registerJob(jobs: Pick<JobQueue, 'register'>): void {
      jobs.register<object>(
        suggestionJobName,
        async (data, job) => {
          const parsed = suggestionJobData.safeParse(data);
          if (!parsed.success) {
            deps.logger.error({ jobId: job.id }, `${suggestionJobName} job with malformed data dropped`);
            return;
          }
          await suggest(parsed.data, job);
        },
        suggestionJobOptions,
      );
    },

    async list(actor: Actor, conversationId: string): Promise<SuggestionListView> {
      const conversation = await requireOwnConversation(actor, conversationId);
      const rows = await repository.list(db, actor.tenantId, conversationId, listedSuggestions);
      return { personalityOverride: conversation.personalityOverride, items: rows.map(presentSuggestion) };
    },

    async apply(
      actor: Actor,
      conversationId: string,
      suggestionId: string,
      input: ApplySuggestionInput,
    ): Promise<SuggestionView> {
      const suggestion = await requireSuggestion(actor, conversationId, suggestionId);
      if (input.target === 'agent') return presentSuggestion(await applyToAgent(actor, suggestion));
      const applied = await applyToConversation(suggestion, actor.userId, false);
      if (!applied) throw alreadyDecided(suggestion);
      return presentSuggestion(applied);
    },

    async dismiss(actor: Actor, conversationId: string, suggestionId: string): Promise<SuggestionView> {
      const suggestion = await requireSuggestion(actor, conversationId, suggestionId);
      const dismissed = await repository.decide(db, {
        tenantId: actor.tenantId,
        suggestionId,
        status: 'dismissed',
        appliedTo: null,
        decidedBy: actor.userId,
        decidedAt: now(),
      });
      if (!dismissed) throw alreadyDecided(suggestion);
      return presentSuggestion(dismissed);
    },
  };
}

export type PersonalitySuggestionsService = ReturnType<typeof createPersonalitySuggestionsService>;
