import type { ModelResolver, ResolvedModel } from '../chat/index.js';
import type { UsageSubject } from '../../ai/usage-paths.js';
import { readCompanionSettings } from '../agents/companion-settings.js';

/** The tenant's utility model (its settings), or null when it sets none. */
export type TenantUtilityModelSource = (tenantId: string) => Promise<string | null>;

/** What a companion job knows of the agent it works for: its stored companion JSON and its model. */
export interface UtilityModelAgent {
  /** Undefined or null when the conversation's agent is gone. */
  readonly companion: unknown;
  readonly agentModel: string | null | undefined;
}

/**
 * The one model every companion job calls (docs/companion.md), first set wins: the agent's own
 * `utilityModel`, the tenant's, the agent's model, and `offline` for when there is none (the
 * conversation's agent is gone).
 */
export function createUtilityModelResolver(deps: {
  readonly resolveModel: ModelResolver;
  readonly tenantUtilityModel: TenantUtilityModelSource;
}) {
  return async (tenantId: string, agent: UtilityModelAgent, subject: UsageSubject): Promise<ResolvedModel> => {
    const modelRef =
      readCompanionSettings(agent.companion).utilityModel ??
      (await deps.tenantUtilityModel(tenantId)) ??
      agent.agentModel ??
      'offline';
    return deps.resolveModel(tenantId, modelRef, subject);
  };
}

export type UtilityModelResolver = ReturnType<typeof createUtilityModelResolver>;

/**
 * Whom a job's call on a conversation is for, as the usage ledger names it: the contact of a support
 * conversation (whose owner is only the desk user the channel acts as), else the conversation's owner.
 */
export function conversationSubject(context: {
  readonly ownerId: string;
  readonly contactId?: string | null | undefined;
}): Pick<UsageSubject, 'userId' | 'contactId'> {
  return context.contactId ? { contactId: context.contactId } : { userId: context.ownerId };
}
