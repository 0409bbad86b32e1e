import type { AgentVisibility } from '../platform/db/schema/agents.js';
import type { Actor } from './actor.js';

/**
 * Who may chat with an agent: everyone in the tenant with a tenant-wide agent, only its owner with a
 * private one, admins included (they see and manage every agent, but talk only to these). Used by the
 * agents module and by the chat turn, which loads the agent with its conversation in one query.
 */
export function canUseAgent(
  actor: Pick<Actor, 'userId'>,
  agent: { readonly visibility: AgentVisibility; readonly ownerId: string | null },
): boolean {
  return agent.visibility === 'tenant' || agent.ownerId === actor.userId;
}
