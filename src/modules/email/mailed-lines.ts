import { parseModelRef } from '../../ai/model-ref.js';
import type { StoredCitation } from '../../platform/db/schema/index.js';
import { readHandoverLine } from '../widget/handover-line.js';
import { isNoAnswerReply } from '../widget/who-answers.js';

/**
 * Which of an email conversation's lines the outbox mails, besides the AI's and operators' replies:
 * a handover's system line (widget-answering.ts) and the email channel's own notices, which it writes
 * as system lines under a client id of one of these kinds (once each: the id is unique per conversation).
 */
export const acknowledgementIdPrefix = 'email-ack:';
export const ratingRequestIdPrefix = 'email-rating:';

export type MailedSystemLine =
  | { readonly kind: 'handover'; readonly backAt: Date | null }
  | { readonly kind: 'acknowledgement' }
  | { readonly kind: 'rating-request' };

/** What a system line is to the mail, or undefined for one the customer is not sent. */
export function mailedSystemLine(line: {
  content: string;
  clientMessageId: string | null;
}): MailedSystemLine | undefined {
  if (line.clientMessageId?.startsWith(acknowledgementIdPrefix)) return { kind: 'acknowledgement' };
  if (line.clientMessageId?.startsWith(ratingRequestIdPrefix)) return { kind: 'rating-request' };
  const handover = readHandoverLine(line.content);
  return handover && { kind: 'handover', backAt: handover.backAt };
}

/**
 * Whether an AI reply is one the widget's answering hands over after (its `couldNotHelp`, read from the
 * stored reply): the inbox's "no answer" form, or the offline model that searched and cited nothing.
 * By mail such a reply is not sent: the handover's line, mailed next, says what happens instead.
 */
export function isHandedOverReply(
  reply: {
    content: string;
    model: string | null;
    citations: readonly StoredCitation[] | null;
    passagesFound: number | null;
  },
  inbox: { onAiFailure: string; noAnswerReply: string },
): boolean {
  if (inbox.onAiFailure !== 'handover') return false;
  const isOffline = reply.model !== null && parseModelRef(reply.model)?.kind === 'offline';
  const offlineFoundNothing = isOffline && reply.passagesFound !== null && (reply.citations ?? []).length === 0;
  return offlineFoundNothing || isNoAnswerReply(reply.content, inbox.noAnswerReply);
}
