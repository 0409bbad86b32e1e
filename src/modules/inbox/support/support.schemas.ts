import { z } from 'zod';
import {
  inboxKinds,
  supportActorKinds,
  supportPriorities,
  supportStatuses,
} from '../../../platform/db/schema/support.js';
import { pageOf, patchBody, visibleText } from '../../../platform/http/common-schemas.js';
import { conversationTargetsSchema, presentConversationTargets } from '../targets/reply-targets.schemas.js';
import type { StoredEvent, StoredNote, StoredSupportConversation } from './support.repository.js';

export const createSupportConversationBody = z.strictObject({
  inboxId: z.uuid('must be an inbox id (UUID)'),
  contactId: z.uuid('must be a contact id (UUID)'),
});

const reasonSchema = z.string().trim().max(500).optional().describe('Why, for the conversation’s history');
export const reasonBody = z.strictObject({ reason: reasonSchema }).default({});
export const operatorBody = z.strictObject({
  operatorId: z.uuid('must be a user id (UUID)'),
  reason: reasonSchema,
});
export const teamBody = z.strictObject({
  teamId: z.uuid('must be a team id (UUID)'),
  reason: reasonSchema,
});
export const snoozeBody = z.strictObject({
  until: z.iso
    .datetime({ offset: true, error: "must be a date and time such as '2030-01-31T09:00:00Z'" })
    .refine((value) => Date.parse(value) > Date.now(), 'must be in the future'),
  reason: reasonSchema,
});

const maxLabels = 20;
export const labelsBody = z.strictObject({
  labels: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}$/u, 'must be 1–40 letters, digits, spaces, - or _'),
    )
    .max(maxLabels, `can hold at most ${maxLabels} labels`),
});

export const noteBody = z.strictObject({ body: visibleText(10_000) });

/** An operator's change of what is not a status: how urgent it is and which team has it (support-updates.ts). */
export const updateSupportConversationBody = patchBody({
  priority: z
    .enum(supportPriorities, { error: `must be one of ${supportPriorities.join(', ')}` })
    .optional()
    .describe("How urgent it is: 'none', 'low', 'medium', 'high' or 'urgent'"),
  teamId: z
    .uuid('must be a team id (UUID), or null for no team')
    .nullable()
    .optional()
    .describe('The team that has it (null: none)'),
  reason: reasonSchema,
});
export type SupportConversationUpdate = z.infer<typeof updateSupportConversationBody>;

export const queueViews = ['mine', 'unassigned', 'all'] as const;

export const supportListQuery = z.strictObject({
  view: z
    .enum(queueViews)
    .optional()
    .describe("The console's tabs: 'mine', 'unassigned' or 'all'; without a status, resolved ones are left out"),
  status: z.enum(supportStatuses).optional(),
  inboxId: z.uuid().optional(),
  channel: z
    .enum(inboxKinds)
    .optional()
    .describe("Only conversations of the tenant's inboxes of this kind: 'widget', 'email' or 'api'"),
  assignee: z
    .union([z.literal('me'), z.literal('unassigned'), z.uuid()])
    .optional()
    .describe("'me', 'unassigned' or an operator's id"),
  teamId: z
    .union([z.literal('mine'), z.uuid()])
    .optional()
    .describe("A team's queue, or 'mine': the queues of every team the caller belongs to"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type SupportListQuery = z.infer<typeof supportListQuery>;

export const queueCountsQuery = z.strictObject({
  status: z.enum(supportStatuses).optional(),
  teamId: z
    .union([z.literal('mine'), z.uuid()])
    .optional()
    .describe("Count one team's queue, or 'mine': the queues of every team the caller belongs to"),
  inboxId: z.uuid().optional(),
  channel: z
    .enum(inboxKinds)
    .optional()
    .describe("Only conversations of the tenant's inboxes of this kind: 'widget', 'email' or 'api'"),
});
export const queueCountsSchema = z.object({
  mine: z.number().int(),
  unassigned: z.number().int(),
  all: z.number().int(),
});

export const supportConversationSchema = z.object({
  id: z.uuid(),
  inboxId: z.uuid(),
  contactId: z.uuid(),
  conversationId: z.uuid().nullable(),
  status: z.enum(supportStatuses),
  assigneeId: z.uuid().nullable(),
  priority: z.enum(supportPriorities).describe("How urgent it is: 'none', 'low', 'medium', 'high' or 'urgent'"),
  teamId: z.uuid().nullable().describe("The team whose queue holds it (null: no team's)"),
  snoozedUntil: z.iso.datetime().nullable(),
  labels: z.array(z.string()),
  /** What the contact wanted, written when a person was asked for (null before). */
  summary: z.string().nullable(),
  statusChangedAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** The running reply-time targets' due times and where they stand (docs/desk-routing.md). */
  targets: conversationTargetsSchema,
  rating: z
    .object({
      rating: z.number().int().min(1).max(5),
      comment: z.string().nullable(),
      ratedFor: z.enum(['ai', 'operator']),
      ratedAt: z.iso.datetime(),
    })
    .nullable()
    .optional()
    .describe("The contact's rating, in a conversation's own view and the contact's list (null: not rated)"),
});
export type SupportConversationView = z.infer<typeof supportConversationSchema>;
export const supportConversationPageSchema = pageOf(supportConversationSchema);

export const supportEventSchema = z.object({
  id: z.uuid(),
  actorKind: z.enum(supportActorKinds),
  actorId: z.uuid().nullable(),
  action: z.string(),
  from: z.enum(supportStatuses).nullable(),
  to: z.enum(supportStatuses),
  assigneeId: z.uuid().nullable(),
  reason: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export const supportEventListSchema = z.object({ items: z.array(supportEventSchema) });

export const noteSchema = z.object({
  id: z.uuid(),
  authorId: z.uuid().nullable(),
  body: z.string(),
  createdAt: z.iso.datetime(),
});
export const noteListSchema = z.object({ items: z.array(noteSchema) });

/** `now`: when "due soon" and "breached" are judged (the time of the answer). */
export const presentSupportConversation = (
  row: StoredSupportConversation,
  now: Date = new Date(),
): SupportConversationView => ({
  id: row.id,
  inboxId: row.inboxId,
  contactId: row.contactId,
  conversationId: row.conversationId,
  status: row.status,
  assigneeId: row.assigneeId,
  priority: row.priority,
  teamId: row.teamId,
  snoozedUntil: row.snoozedUntil?.toISOString() ?? null,
  labels: row.labels,
  summary: row.summary,
  statusChangedAt: row.statusChangedAt.toISOString(),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  targets: presentConversationTargets(row, now),
});

export const presentEvent = (row: StoredEvent): z.infer<typeof supportEventSchema> => ({
  id: row.id,
  actorKind: row.actorKind,
  actorId: row.actorId,
  action: row.action,
  from: row.fromStatus,
  to: row.toStatus,
  assigneeId: row.assigneeId,
  reason: row.reason,
  createdAt: row.createdAt.toISOString(),
});

export const presentNote = (row: StoredNote): z.infer<typeof noteSchema> => ({
  id: row.id,
  authorId: row.authorId,
  body: row.body,
  createdAt: row.createdAt.toISOString(),
});
