import { z } from 'zod';
import { isKnownTimeZone } from './quiet-hours.js';

/** Turns proactive messages on or off: in one conversation, or for every conversation with an agent. */
export const proactiveToggleBody = z.strictObject({ enabled: z.boolean() });
export type ProactiveToggleInput = z.infer<typeof proactiveToggleBody>;

export const conversationProactiveSchema = z.object({
  conversationId: z.uuid(),
  /** Off when the owner turned them off in this conversation. */
  enabled: z.boolean(),
  /** Off when the owner turned them off for the conversation's agent. */
  agentEnabled: z.boolean(),
  /** Proactive messages sent in a row that the owner has not answered yet. */
  unanswered: z.number().int(),
});
export type ConversationProactiveView = z.infer<typeof conversationProactiveSchema>;

export const agentProactiveSchema = z.object({ agentId: z.uuid(), enabled: z.boolean() });
export type AgentProactiveView = z.infer<typeof agentProactiveSchema>;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM, from 00:00 to 23:59');

const timeZoneSchema = z
  .string()
  .max(100)
  .refine(isKnownTimeZone, 'must be an IANA time zone name, such as Europe/Paris or America/New_York');

/** The caller's time zone and quiet hours; both sent each time (a PUT). */
export const quietHoursBody = z
  .strictObject({
    timeZone: timeZoneSchema.nullable(),
    /** No proactive message from `start` up to `end`, in `timeZone` (UTC when null); may cross midnight. */
    quietHours: z
      .strictObject({ start: clockTime, end: clockTime })
      .refine((span) => span.start !== span.end, 'start and end must differ')
      .nullable(),
  })
  .describe('Your time zone and the hours in it when no proactive message may reach you');
export type QuietHoursInput = z.infer<typeof quietHoursBody>;

export const quietHoursSchema = z.object({
  timeZone: z.string().nullable(),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
});
export type QuietHoursView = z.infer<typeof quietHoursSchema>;
