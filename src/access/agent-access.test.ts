import { describe, expect, it } from 'vitest';
import { canUseAgent } from './agent-access.js';

describe('canUseAgent', () => {
  const me = { userId: 'u1' };
  it.each([
    ['a tenant-wide agent', { visibility: 'tenant', ownerId: null }, true],
    ['their own private agent', { visibility: 'private', ownerId: 'u1' }, true],
    ["someone else's private agent", { visibility: 'private', ownerId: 'u2' }, false],
    ['a private agent whose owner is gone', { visibility: 'private', ownerId: null }, false],
  ] as const)('%s: %s', (_label, agent, expected) => {
    expect(canUseAgent(me, agent)).toBe(expected);
  });
});
