import type { Role } from '../platform/db/schema/users.js';

export type { Role };

/** Who is calling: resolved once per request (or job) and passed first to every service call. */
export interface Actor {
  readonly tenantId: string;
  readonly userId: string;
  readonly role: Role;
  readonly via: 'token' | 'api_key' | 'system';
}

/**
 * An access token's sign-in a request was let in on from the node's memory of its last check rather than a
 * read (auth's credential-checks.ts), which the route confirms in the statement it acts with.
 */
export interface SignInToConfirm {
  readonly userId: string;
  readonly tenantId: string;
  readonly sessionId: string;
  readonly sessionEpoch: number;
  readonly role: Role;
}

/** What a route demands before its handler runs. Every route must declare one. */
export type Access = 'public' | 'authenticated' | readonly Role[];

const roleRank: Record<Role, number> = { member: 0, operator: 1, tenant_admin: 2, platform_admin: 3 };

export function hasRoleAtLeast(actor: Pick<Actor, 'role'>, role: Role): boolean {
  return roleRank[actor.role] >= roleRank[role];
}

/** Operators and admins see all of their tenant's conversations; members only their own. */
export function canSeeAllConversations(actor: Pick<Actor, 'role'>): boolean {
  return hasRoleAtLeast(actor, 'operator');
}

export function isAdmin(actor: Pick<Actor, 'role'>): boolean {
  return hasRoleAtLeast(actor, 'tenant_admin');
}

/** The roles at or below the caller's: the people and keys an admin manages, never above. */
export function rolesUpTo(actor: Pick<Actor, 'role'>): Role[] {
  return (Object.keys(roleRank) as Role[]).filter((role) => roleRank[role] <= roleRank[actor.role]);
}

/** A user may hand out (to a user or an API key) at most the role they hold. */
export function canGrantRole(actor: Pick<Actor, 'role'>, role: Role): boolean {
  return roleRank[actor.role] >= roleRank[role];
}

export function satisfiesAccess(actor: Actor | null, access: Access): boolean {
  if (access === 'public') return true;
  if (!actor) return false;
  if (access === 'authenticated') return true;
  return access.includes(actor.role);
}
