import { canSeeAllConversations, isAdmin, type Actor } from './actor.js';

/**
 * Policy for things a user owns inside a tenant (conversations, projects): the owner sees and changes
 * them; operators and admins see all of the tenant's; only admins change someone else's.
 * Callers turn "cannot view" into a 404, so a member cannot learn that another member's item exists.
 */
export function canViewOwned(actor: Pick<Actor, 'userId' | 'role'>, ownerId: string): boolean {
  return actor.userId === ownerId || canSeeAllConversations(actor);
}

export function canModifyOwned(actor: Pick<Actor, 'userId' | 'role'>, ownerId: string): boolean {
  return actor.userId === ownerId || isAdmin(actor);
}

/** Only the owner speaks in a conversation: the replies are written in their name and with their agent. */
export function canPostAsOwner(actor: Pick<Actor, 'userId'>, ownerId: string): boolean {
  return actor.userId === ownerId;
}
