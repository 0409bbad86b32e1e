import { z } from 'zod';
import { pageCursor, pageLimit } from '../../platform/http/list-query.js';
import { analyticsBuckets, isoDate, withRange } from './analytics.schemas.js';

/** Ratings run from 1 to 5; a rating of 4 or 5 counts as satisfied (the usual CSAT "top two boxes"). */
export const satisfiedFrom = 4;
/** What the low-ratings list holds by default: 1 and 2, the ratings a team reads one by one. */
export const defaultLowestRating = 2;
export const csatGroupings = ['operator', 'inbox', 'label'] as const;
export type CsatGrouping = (typeof csatGroupings)[number];

/** `from`/`to` as in the overview; `groupBy` splits the ratings, `interval` sets the series' periods. */
export const csatQuery = z
  .strictObject({
    from: isoDate.optional(),
    to: isoDate.optional(),
    groupBy: z.enum(csatGroupings).default('operator'),
    interval: z.enum(analyticsBuckets).default('day'),
    inboxId: z.uuid().optional(),
  })
  .transform(withRange);
export type CsatQuery = z.infer<typeof csatQuery>;

/** The same range, the inbox filter, and a page of ratings at or below `maxRating`, newest first. */
export const lowRatingsQuery = z
  .strictObject({
    from: isoDate.optional(),
    to: isoDate.optional(),
    inboxId: z.uuid().optional(),
    maxRating: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 4')
      .max(4, 'must be between 1 and 4')
      .default(defaultLowestRating),
    limit: pageLimit,
    cursor: pageCursor.optional(),
  })
  .transform(withRange);
export type LowRatingsQuery = z.infer<typeof lowRatingsQuery>;

const figures = {
  ratings: z.number().int(),
  /** The mean rating, 1 to 5; null with no ratings. */
  average: z.number().nullable(),
  /** Ratings of `satisfiedFrom` or more over all ratings, 0 to 1; null with no ratings. */
  satisfiedShare: z.number().nullable(),
};

export const csatGroupSchema = z.object({
  /**
   * The operator's, inbox's id or the label; null for ratings of no operator (the AI alone answered, or
   * the operator's account is gone) or of a conversation without labels.
   */
  key: z.string().nullable(),
  name: z.string(),
  ...figures,
  /** Only the periods that have ratings, oldest first. */
  series: z.array(z.object({ start: z.string(), ...figures })),
});

export const csatReportSchema = z.object({
  range: z.object({
    from: z.string(),
    to: z.string(),
    interval: z.enum(analyticsBuckets),
    groupBy: z.enum(csatGroupings),
    inboxId: z.uuid().nullable(),
  }),
  satisfiedFrom: z.number().int(),
  totals: z.object(figures),
  /** Most ratings first. A conversation with two labels counts in both labels' groups. */
  groups: z.array(csatGroupSchema),
});
export type CsatReport = z.infer<typeof csatReportSchema>;

export const lowRatingSchema = z.object({
  supportConversationId: z.uuid(),
  rating: z.number().int(),
  comment: z.string().nullable(),
  contact: z.object({ id: z.uuid(), name: z.string() }),
  operator: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  inbox: z.object({ id: z.uuid(), name: z.string() }),
  labels: z.array(z.string()),
  ratedAt: z.iso.datetime({ offset: true }),
});
export type LowRating = z.infer<typeof lowRatingSchema>;

export const lowRatingsPageSchema = z.object({
  items: z.array(lowRatingSchema),
  nextCursor: z.string().nullable(),
});
export type LowRatingsPage = z.infer<typeof lowRatingsPageSchema>;
