import { z } from 'zod';
import type { StoredReplyTargets } from '../../../platform/db/schema/teams.js';
import { patchBody, visibleText } from '../../../platform/http/common-schemas.js';

/** A target of up to 30 days: longer ones are not reply-time targets but backlogs. */
const targetMinutes = z.number().int().min(1).max(43_200, 'must be at most 43200 minutes (30 days)');

/**
 * Reply-time targets of an inbox or a team (the reply-time targets' clocks read them). A missing
 * target: none of that kind. Null as a whole: no targets.
 */
export const replyTargetsBody = z
  .strictObject({
    firstResponseMinutes: targetMinutes.optional().describe("Minutes until an operator's first reply is due"),
    nextResponseMinutes: targetMinutes
      .optional()
      .describe("Minutes until an operator's next reply is due after the contact writes again"),
    resolutionMinutes: targetMinutes.optional().describe('Minutes until the conversation is due to be resolved'),
    isBusinessHoursOnly: z
      .boolean()
      .default(false)
      .describe("Whether only the inbox's business hours count towards the targets"),
  })
  .nullable();

export const replyTargetsSchema = z
  .object({
    firstResponseMinutes: z.number().int().optional(),
    nextResponseMinutes: z.number().int().optional(),
    resolutionMinutes: z.number().int().optional(),
    isBusinessHoursOnly: z.boolean(),
  })
  .nullable();

/** Stored as sent, without the targets left out (jsonb keeps no `undefined`). */
export const storedReplyTargets = (input: z.infer<typeof replyTargetsBody>): StoredReplyTargets | null =>
  input === null
    ? null
    : {
        ...(input.firstResponseMinutes !== undefined && { firstResponseMinutes: input.firstResponseMinutes }),
        ...(input.nextResponseMinutes !== undefined && { nextResponseMinutes: input.nextResponseMinutes }),
        ...(input.resolutionMinutes !== undefined && { resolutionMinutes: input.resolutionMinutes }),
        isBusinessHoursOnly: input.isBusinessHoursOnly,
      };

export const presentReplyTargets = (stored: StoredReplyTargets | null): z.infer<typeof replyTargetsSchema> =>
  stored === null ? null : { ...stored };

const descriptionSchema = z.string().trim().max(500);

export const createTeamBody = z.strictObject({
  name: visibleText(60).describe("The team's name, unique in the tenant (Billing, German speakers)"),
  description: descriptionSchema.default(''),
  replyTargets: replyTargetsBody.default(null),
});
export type CreateTeamInput = z.infer<typeof createTeamBody>;

export const updateTeamBody = patchBody({
  name: visibleText(60).optional(),
  description: descriptionSchema.optional(),
  replyTargets: replyTargetsBody.optional(),
});
export type UpdateTeamInput = z.infer<typeof updateTeamBody>;

/** A team holds at most this many members (a tenant's whole desk fits). */
export const maxTeamMembers = 500;

export const teamMembersBody = z.strictObject({
  userIds: z
    .array(z.uuid('must be a user id (UUID)'))
    .max(maxTeamMembers, `can hold at most ${maxTeamMembers} members`)
    .describe("Every member's user id: operators or administrators of the tenant; replaces the list"),
});

export const teamMemberSchema = z.object({ userId: z.uuid(), name: z.string() });

export const teamSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  replyTargets: replyTargetsSchema,
  members: z.array(teamMemberSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type TeamView = z.infer<typeof teamSchema>;
export const teamListSchema = z.object({ items: z.array(teamSchema) });
