/**
 * The system line a handover writes into the conversation (the widget shows it as is; the email outbox
 * mails it in words of its own, docs/email-inbox.md "When a person takes over"). Written and read here
 * only, so the mail always knows a handover line, and when a person is back, from the line itself.
 */
const closedPrefix = 'A person was asked for. Nobody is at work now; someone is back at ';
const closedSuffix = '. Leave your email to hear back.';
const openLine = 'A person was asked for and will join shortly.';

/** The line for a handover now; `backAt`: when a person is next at work, if nobody is now. */
export function handoverLine(backAt: Date | undefined): string {
  return backAt ? `${closedPrefix}${backAt.toISOString()}${closedSuffix}` : openLine;
}

/**
 * What a system line says of a handover: `{ backAt: null }` for one within the business hours, the time
 * a person is back for one outside them, undefined for a line that is no handover's.
 */
export function readHandoverLine(content: string): { readonly backAt: Date | null } | undefined {
  if (content === openLine) return { backAt: null };
  if (!content.startsWith(closedPrefix) || !content.endsWith(closedSuffix)) return undefined;
  const backAt = new Date(content.slice(closedPrefix.length, -closedSuffix.length));
  return Number.isNaN(backAt.getTime()) ? undefined : { backAt };
}
