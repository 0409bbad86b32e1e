import { describe, expect, it } from 'vitest';
import { canGrantRole, canSeeAllConversations, satisfiesAccess, type Actor } from './actor.js';

const actorWith = (role: Actor['role']): Actor => ({ tenantId: 't', userId: 'u', role, via: 'token' });

describe('access rules', () => {
  it.each([
    ['member', false],
    ['operator', true],
    ['tenant_admin', true],
    ['platform_admin', true],
  ] as const)('lets a %s see all conversations: %s', (role, expected) => {
    expect(canSeeAllConversations(actorWith(role))).toBe(expected);
  });

  it('never lets a role grant one above itself', () => {
    expect(canGrantRole(actorWith('tenant_admin'), 'platform_admin')).toBe(false);
    expect(canGrantRole(actorWith('tenant_admin'), 'operator')).toBe(true);
    expect(canGrantRole(actorWith('member'), 'operator')).toBe(false);
  });

  it('refuses every non-public access to an anonymous caller', () => {
    expect(satisfiesAccess(null, 'public')).toBe(true);
    expect(satisfiesAccess(null, 'authenticated')).toBe(false);
    expect(satisfiesAccess(null, ['member'])).toBe(false);
    expect(satisfiesAccess(actorWith('member'), ['tenant_admin'])).toBe(false);
    expect(satisfiesAccess(actorWith('tenant_admin'), ['tenant_admin'])).toBe(true);
  });
});
