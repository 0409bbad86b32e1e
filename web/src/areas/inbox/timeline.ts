import { statusLabels, type SupportEvent, type SupportMessage } from './support-api';

const actionTexts: Record<string, string> = {
  create: 'The conversation was opened',
  take: 'An operator took the conversation',
  assign: 'The conversation was assigned',
  transfer: 'The conversation was transferred',
  resolve: 'The conversation was resolved',
  snooze: 'The conversation was snoozed',
  reopen: 'The conversation was reopened',
  request_human: 'A person was asked for',
  contact_message: 'The contact wrote again',
  wake: 'The snooze ran out',
};

export type TimelineEntry =
  | { kind: 'message'; id: string; at: string; message: SupportMessage }
  | { kind: 'system'; id: string; at: string; text: string };

/** A status change as one line for the conversation's history, with the reason given for it. */
export function describeEvent(event: SupportEvent): string {
  const what = actionTexts[event.action] ?? `Status changed (${event.action})`;
  const line = `${what}: ${statusLabels[event.to]}`;
  return event.reason ? `${line}. ${event.reason}` : line;
}

/**
 * Messages and status changes in the order they happened; system messages read as status lines do. The
 * server's messages carry status changes as system lines with the event's id: those events are not
 * repeated.
 */
export function buildTimeline(messages: readonly SupportMessage[], events: readonly SupportEvent[]): TimelineEntry[] {
  const shown = new Set(messages.map((message) => message.id));
  const entries: TimelineEntry[] = [
    ...messages.map((message): TimelineEntry =>
      message.role === 'system'
        ? { kind: 'system', id: message.id, at: message.createdAt, text: message.content }
        : { kind: 'message', id: message.id, at: message.createdAt, message },
    ),
    ...events
      .filter((event) => !shown.has(event.id))
      .map((event): TimelineEntry => ({
        kind: 'system',
        id: event.id,
        at: event.createdAt,
        text: describeEvent(event),
      })),
  ];
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
