import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { forbidden, notFound } from '../../platform/errors.js';
import type { AgentDirectory, ConversationsService } from '../conversations/index.js';
import type { ProactiveRepository } from './proactive.repository.js';
import type {
  AgentProactiveView,
  ConversationProactiveView,
  ProactiveToggleInput,
  QuietHoursInput,
  QuietHoursView,
} from './proactive.schemas.js';
import { clockOf, minutesOf } from './quiet-hours.js';

export interface ProactiveSettingsDeps {
  readonly db: Database;
  readonly repository: ProactiveRepository;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
  readonly agents: Pick<AgentDirectory, 'findUsable'>;
}

/** What a user decides about proactive messages: per conversation, per agent, and their quiet hours. */
export function createProactiveSettingsService(deps: ProactiveSettingsDeps) {
  const { db, repository } = deps;

  async function conversationView(actor: Actor, conversationId: string): Promise<ConversationProactiveView> {
    const conversation = await deps.conversations.findVisible(actor, conversationId);
    const optedOut = conversation.agentId
      ? await repository.isOptedOut(db, conversation.ownerId, conversation.agentId)
      : false;
    return {
      conversationId,
      enabled: !conversation.proactiveOff,
      agentEnabled: !optedOut,
      unanswered: conversation.proactiveUnanswered,
    };
  }

  async function requireUsableAgent(actor: Actor, agentId: string): Promise<void> {
    if (!(await deps.agents.findUsable(actor, agentId))) throw notFound('Agent', agentId);
  }

  return {
    conversationView,

    /** Only the owner decides what reaches them; anyone else who may see the conversation gets a 403. */
    async setForConversation(
      actor: Actor,
      conversationId: string,
      input: ProactiveToggleInput,
    ): Promise<ConversationProactiveView> {
      const conversation = await deps.conversations.findVisible(actor, conversationId);
      if (conversation.ownerId !== actor.userId) {
        throw forbidden("Only the conversation's owner can turn its proactive messages on or off");
      }
      await repository.setConversationOff(db, actor.tenantId, conversationId, !input.enabled);
      return conversationView(actor, conversationId);
    },

    async agentView(actor: Actor, agentId: string): Promise<AgentProactiveView> {
      await requireUsableAgent(actor, agentId);
      return { agentId, enabled: !(await repository.isOptedOut(db, actor.userId, agentId)) };
    },

    async setForAgent(actor: Actor, agentId: string, input: ProactiveToggleInput): Promise<AgentProactiveView> {
      await requireUsableAgent(actor, agentId);
      await repository.setOptOut(db, { tenantId: actor.tenantId, userId: actor.userId, agentId, off: !input.enabled });
      return { agentId, enabled: input.enabled };
    },

    async quietHours(actor: Actor): Promise<QuietHoursView> {
      const row = await repository.quietHoursOf(db, actor.tenantId, actor.userId);
      return {
        timeZone: row?.timeZone ?? null,
        quietHours: row?.start != null && row.end != null ? { start: clockOf(row.start), end: clockOf(row.end) } : null,
      };
    },

    async setQuietHours(actor: Actor, input: QuietHoursInput): Promise<QuietHoursView> {
      await repository.setQuietHours(db, actor.tenantId, actor.userId, {
        timeZone: input.timeZone,
        start: input.quietHours ? minutesOf(input.quietHours.start) : null,
        end: input.quietHours ? minutesOf(input.quietHours.end) : null,
      });
      return this.quietHours(actor);
    },
  };
}

export type ProactiveSettingsService = ReturnType<typeof createProactiveSettingsService>;
