import { z } from 'zod';

/* The targets an inbox or team takes (replyTargetsBody) are the teams room's schema: teams.schemas.ts. */

export const targetStates = ['on_track', 'due_soon', 'breached'] as const;
export type TargetState = (typeof targetStates)[number];

/** "Due soon": the earliest running due time is this close. */
export const dueSoonMs = 5 * 60_000;

/** A support conversation's running targets as its view shows them. */
export const conversationTargetsSchema = z.object({
  firstResponseDueAt: z.iso.datetime().nullable(),
  nextResponseDueAt: z.iso.datetime().nullable(),
  resolutionDueAt: z.iso.datetime().nullable(),
  state: z
    .enum(targetStates)
    .nullable()
    .describe("By the earliest running due time: 'breached' past it, 'due_soon' within 5 minutes; null: none runs"),
});
export type ConversationTargets = z.infer<typeof conversationTargetsSchema>;

export function presentConversationTargets(
  row: {
    readonly firstResponseDueAt: Date | null;
    readonly nextResponseDueAt: Date | null;
    readonly resolutionDueAt: Date | null;
  },
  now: Date,
): ConversationTargets {
  const dues = [row.firstResponseDueAt, row.nextResponseDueAt, row.resolutionDueAt].filter(
    (due): due is Date => due !== null,
  );
  const earliestMs = dues.length === 0 ? undefined : Math.min(...dues.map((due) => due.getTime()));
  return {
    firstResponseDueAt: row.firstResponseDueAt?.toISOString() ?? null,
    nextResponseDueAt: row.nextResponseDueAt?.toISOString() ?? null,
    resolutionDueAt: row.resolutionDueAt?.toISOString() ?? null,
    state:
      earliestMs === undefined
        ? null
        : earliestMs <= now.getTime()
          ? 'breached'
          : earliestMs - now.getTime() <= dueSoonMs
            ? 'due_soon'
            : 'on_track',
  };
}
