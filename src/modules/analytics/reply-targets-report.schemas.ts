import { z } from 'zod';
import { isoDate, withRange } from './analytics.schemas.js';

export const replyTargetGroupings = ['team', 'inbox', 'operator'] as const;
export type ReplyTargetGrouping = (typeof replyTargetGroupings)[number];

/** `from`/`to` as in the overview (the clocks started in it); `groupBy` splits them. */
export const replyTargetsReportQuery = z
  .strictObject({
    from: isoDate.optional(),
    to: isoDate.optional(),
    groupBy: z.enum(replyTargetGroupings).default('team'),
    inboxId: z.uuid('must be an inbox id (UUID)').optional(),
    teamId: z.uuid('must be a team id (UUID)').optional(),
  })
  .transform(withRange);
export type ReplyTargetsReportQuery = z.infer<typeof replyTargetsReportQuery>;

const targetFigures = z.object({
  /** Clocks met by their due time. */
  met: z.number().int(),
  /** Clocks met late, or still not met (or cancelled) after their due time. */
  missed: z.number().int(),
  /** met / (met + missed), 0 to 1; null with neither. */
  metRate: z.number().nullable(),
});
export type TargetFigures = z.infer<typeof targetFigures>;

const figuresPerTarget = z.object({
  firstResponse: targetFigures,
  nextResponse: targetFigures,
  resolution: targetFigures,
});
export type FiguresPerTarget = z.infer<typeof figuresPerTarget>;

export const replyTargetsReportSchema = z.object({
  range: z.object({
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(replyTargetGroupings),
    inboxId: z.uuid().nullable(),
    teamId: z.uuid().nullable(),
  }),
  totals: figuresPerTarget,
  groups: z.array(
    z.object({
      /** The team's, inbox's or operator's id; null: no team, or no operator met it (nobody replied). */
      key: z.string().nullable(),
      name: z.string(),
      ...figuresPerTarget.shape,
    }),
  ),
});
export type ReplyTargetsReport = z.infer<typeof replyTargetsReportSchema>;
