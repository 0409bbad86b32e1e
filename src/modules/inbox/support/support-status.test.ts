import { describe, expect, it } from 'vitest';
import { supportStatuses, type SupportStatus } from '../../../platform/db/schema/support.js';
import { nextStatus, supportActions, type SupportAction } from './support-status.js';

type Expected = SupportStatus | 'refused' | 'unchanged';

/** Every status × action: where it goes, for an inbox with an AI agent and for a human-only one. */
const table: Record<SupportAction, Record<SupportStatus, [withAgent: Expected, humanOnly: Expected]>> = {
  take: {
    bot: ['open', 'open'],
    pending: ['open', 'open'],
    open: ['refused', 'refused'],
    snoozed: ['refused', 'refused'],
    resolved: ['refused', 'refused'],
  },
  assign: {
    bot: ['open', 'open'],
    pending: ['open', 'open'],
    open: ['refused', 'refused'],
    snoozed: ['refused', 'refused'],
    resolved: ['refused', 'refused'],
  },
  transfer: {
    bot: ['refused', 'refused'],
    pending: ['refused', 'refused'],
    open: ['open', 'open'],
    snoozed: ['open', 'open'],
    resolved: ['refused', 'refused'],
  },
  transfer_team: {
    bot: ['pending', 'pending'],
    pending: ['pending', 'pending'],
    open: ['pending', 'pending'],
    snoozed: ['pending', 'pending'],
    resolved: ['refused', 'refused'],
  },
  resolve: {
    bot: ['resolved', 'resolved'],
    pending: ['resolved', 'resolved'],
    open: ['resolved', 'resolved'],
    snoozed: ['resolved', 'resolved'],
    resolved: ['refused', 'refused'],
  },
  snooze: {
    bot: ['refused', 'refused'],
    pending: ['refused', 'refused'],
    open: ['snoozed', 'snoozed'],
    snoozed: ['snoozed', 'snoozed'],
    resolved: ['refused', 'refused'],
  },
  reopen: {
    bot: ['refused', 'refused'],
    pending: ['refused', 'refused'],
    open: ['refused', 'refused'],
    snoozed: ['open', 'open'],
    resolved: ['open', 'open'],
  },
  request_human: {
    bot: ['pending', 'pending'],
    pending: ['refused', 'refused'],
    open: ['refused', 'refused'],
    snoozed: ['refused', 'refused'],
    resolved: ['refused', 'refused'],
  },
  hand_to_ai: {
    bot: ['unchanged', 'refused'],
    pending: ['bot', 'refused'],
    open: ['bot', 'refused'],
    snoozed: ['bot', 'refused'],
    resolved: ['refused', 'refused'],
  },
  contact_message: {
    bot: ['unchanged', 'unchanged'],
    pending: ['unchanged', 'unchanged'],
    open: ['unchanged', 'unchanged'],
    snoozed: ['unchanged', 'unchanged'],
    resolved: ['bot', 'pending'],
  },
  wake: {
    bot: ['refused', 'refused'],
    pending: ['refused', 'refused'],
    open: ['refused', 'refused'],
    snoozed: ['open', 'open'],
    resolved: ['refused', 'refused'],
  },
};

const outcome = (from: SupportStatus, action: SupportAction, hasAgent: boolean): Expected => {
  const transition = nextStatus(from, action, { hasAgent });
  if (!transition) return 'unchanged';
  return transition.isAllowed ? transition.to : 'refused';
};

describe('the support conversation state machine', () => {
  const cases = supportActions.flatMap((action) =>
    supportStatuses.map((from) => ({ action, from, expected: table[action][from] })),
  );

  it.each(cases)(
    '$action from $from goes to $expected (with an AI agent, human-only)',
    ({ action, from, expected }) => {
      expect([outcome(from, action, true), outcome(from, action, false)]).toEqual(expected);
    },
  );

  it('gives a reason a person can act on for every refusal', () => {
    for (const action of supportActions) {
      for (const from of supportStatuses) {
        const transition = nextStatus(from, action, { hasAgent: true });
        if (transition && !transition.isAllowed) expect(transition.reason.length).toBeGreaterThan(10);
      }
    }
  });
});
