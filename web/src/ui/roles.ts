import type { SessionUser } from '../api/session-store';

export type Role = SessionUser['role'];

/** Lowest first, as the server ranks them. */
export const rolesInOrder: readonly Role[] = ['member', 'operator', 'tenant_admin', 'platform_admin'];

export const roleLabels: Record<Role, string> = {
  member: 'Member',
  operator: 'Operator',
  tenant_admin: 'Tenant admin',
  platform_admin: 'Platform admin',
};

/** The roles someone may hand out (to a user or an API key): at most their own. */
export function grantableRoles(own: Role): Role[] {
  return rolesInOrder.slice(0, rolesInOrder.indexOf(own) + 1);
}
