import { messageStatuses } from '../../platform/db/schema/index.js';

/**
 * How a message ended, as everything outside the database tells it. A reply cut short — its owner's
 * stop, or an operator's take in a support conversation — is stored `complete` with the finish reason
 * `stopped` (what was written until then is the reply). Shown as `complete`, it read as the AI's whole
 * answer: the desk, the Inbox, webhooks and an API channel's bridge took a half sentence for an answer
 * (issue 62). So every view says `stopped`, and this module is the one place that knows how it is stored.
 */

/** The statuses a message is shown with: the stored ones, and `stopped` for a reply cut short. */
export const shownMessageStatuses = [...messageStatuses, 'stopped'] as const;
export type ShownMessageStatus = (typeof shownMessageStatuses)[number];

/** A stored message, or one already presented: the rule reads the same from either. */
export interface MessageOutcome {
  readonly status: ShownMessageStatus;
  readonly finishReason: string | null;
}

/** The status a message is shown with: a stored `complete` reply whose finish reason is `stopped` is `stopped`. */
export function shownStatusOf(message: MessageOutcome): ShownMessageStatus {
  return message.status === 'complete' && message.finishReason === 'stopped' ? 'stopped' : message.status;
}

/**
 * Whether a reply ended as its turn meant it to — written to its end or stopped on purpose — rather than
 * failing, waiting for an approval or still being written. What follows a turn (its title, the
 * companion's summaries) runs after either: a stopped reply is short, not wrong.
 */
export function isCompleteOrStopped(message: MessageOutcome): boolean {
  const shown = shownStatusOf(message);
  return shown === 'complete' || shown === 'stopped';
}

/**
 * Whether a reply is delivered to a support contact over a channel Parley itself sends on (email): only
 * an assistant message (the AI's or an operator's) that is complete and says something. A stopped AI
 * reply never is — half an answer in a mail reads as the answer, and a mail cannot be marked or taken
 * back — nor a failed one, one still being written or one waiting for an approval. The channels that
 * show a conversation rather than send it decide nothing here: the widget shows a stopped reply marked
 * stopped, and an API channel's `message.created` webhook carries `status: "stopped"` for its bridge to
 * honour (docs/customer-service.md, "When a reply is stopped").
 */
export function reachesContact(message: MessageOutcome & { readonly role: string; readonly content: string }): boolean {
  return message.role === 'assistant' && shownStatusOf(message) === 'complete' && message.content.trim() !== '';
}
