import type { SupportStatus } from '../../../platform/db/schema/support.js';

/**
 * What may happen to a support conversation. `request_human` (the contact or the AI asks for a person),
 * `contact_message` (the contact writes) and `wake` (a snooze ran out) come from the system; the others
 * are operators' actions over HTTP.
 */
export const supportActions = [
  'take',
  'assign',
  'transfer',
  'transfer_team',
  'resolve',
  'snooze',
  'reopen',
  'request_human',
  'hand_to_ai',
  'contact_message',
  'wake',
] as const;
export type SupportAction = (typeof supportActions)[number];

export interface TransitionContext {
  /** Whether the inbox has an AI agent: a resolved conversation the contact writes to goes back to it. */
  readonly hasAgent: boolean;
}

export type Transition =
  { readonly isAllowed: true; readonly to: SupportStatus } | { readonly isAllowed: false; readonly reason: string };

const allow = (to: SupportStatus): Transition => ({ isAllowed: true, to });
const refuse = (reason: string): Transition => ({ isAllowed: false, reason });

/**
 * The one state machine, pure: every status change is checked here first. `undefined` keeps the status
 * (a contact writing to a conversation that is not resolved changes nothing).
 */
export function nextStatus(
  from: SupportStatus,
  action: SupportAction,
  context: TransitionContext,
): Transition | undefined {
  switch (action) {
    case 'take':
      return from === 'bot' || from === 'pending'
        ? allow('open')
        : refuse(
            from === 'open' || from === 'snoozed'
              ? 'it is already assigned to an operator; transfer it instead'
              : 'it is resolved; reopen it first',
          );
    case 'assign':
      return from === 'bot' || from === 'pending'
        ? allow('open')
        : refuse(
            from === 'resolved'
              ? 'it is resolved; reopen it first'
              : 'it is already assigned to an operator; transfer it instead',
          );
    case 'transfer':
      return from === 'open' || from === 'snoozed'
        ? allow('open')
        : refuse('only a conversation assigned to an operator can be transferred; assign it instead');
    case 'transfer_team':
      // To a team's queue: whoever had it lets go, and it waits there for the team (round-robin may give it).
      return from === 'resolved' ? refuse('it is resolved; reopen it first') : allow('pending');
    case 'resolve':
      return from === 'resolved' ? refuse('it is already resolved') : allow('resolved');
    case 'snooze':
      return from === 'open' || from === 'snoozed'
        ? allow('snoozed')
        : refuse('only a conversation assigned to an operator can be snoozed; take it first');
    case 'reopen':
      return from === 'resolved' || from === 'snoozed'
        ? allow('open')
        : refuse('only a resolved or snoozed conversation can be reopened');
    case 'request_human':
      return from === 'bot' ? allow('pending') : refuse('a person was already asked for or has it');
    case 'hand_to_ai':
      // A routing rule's "hand to the AI": back to `bot`, only where an AI agent answers the inbox.
      if (from === 'resolved') return refuse('it is resolved; reopen it first');
      if (!context.hasAgent) return refuse('its inbox has no AI agent to hand it to');
      return from === 'bot' ? undefined : allow('bot');
    case 'contact_message':
      if (from !== 'resolved') return undefined;
      return allow(context.hasAgent ? 'bot' : 'pending');
    case 'wake':
      return from === 'snoozed' ? allow('open') : refuse('it is not snoozed');
  }
}
