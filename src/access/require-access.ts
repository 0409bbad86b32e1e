import { AppError } from '../platform/errors.js';
import { canGrantRole, isAdmin, type Access, type Actor, type Role } from './actor.js';

/** Route access for tenant administration (platform admins administer their own tenant too). */
export const tenantAdminAccess: Access = ['tenant_admin', 'platform_admin'];
export const platformAdminAccess: Access = ['platform_admin'];

/** Services check again what the route declared, so jobs and other callers get the same rule. */
export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new AppError('forbidden', 'Only tenant administrators can do this');
}

export function requirePlatformAdmin(actor: Actor): void {
  if (actor.role !== 'platform_admin') throw new AppError('forbidden', 'Only platform administrators can do this');
}

export function requireGrantableRole(actor: Actor, role: Role): void {
  if (!canGrantRole(actor, role)) {
    throw new AppError('forbidden', `You cannot grant the role '${role}', which is above your own ('${actor.role}')`);
  }
}
