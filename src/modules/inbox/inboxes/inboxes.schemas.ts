import { z } from 'zod';
import {
  aiFailureModes,
  citationModes,
  inboxKinds,
  type CitationMode,
  type InboxKind,
  type StoredBusinessHours,
  type StoredWidgetTexts,
} from '../../../platform/db/schema/support.js';
import type { StoredReplyTargets } from '../../../platform/db/schema/teams.js';
import { pageOf, patchBody, visibleText } from '../../../platform/http/common-schemas.js';
import { presentWidgetTexts, widgetTextsSchema, widgetTextsViewSchema } from './widget-texts.js';
import { presentReplyTargets, replyTargetsBody, replyTargetsSchema } from '../teams/teams.schemas.js';

/** What a contact writes to ask for a person, matched by the handoff trigger (English and Chinese). */
export const defaultHandoffKeywords = ['human', 'agent', 'talk to a person', '人工', '转人工', '客服'];

/** `https://shop.example` or `http://localhost:3000`: a scheme and host, no path, as browsers send `Origin`. */
const originSchema = z
  .string()
  .trim()
  .max(300)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
  }, "must be an origin such as 'https://shop.example' (scheme and host, no path)")
  .transform((value) => value.replace(/\/$/, ''));

const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time such as '09:00' (24-hour)");

const businessHoursSchema = z
  .strictObject({
    timeZone: z.string().max(64).refine(isTimeZone, "must be an IANA time zone such as 'Europe/Berlin'"),
    days: z
      .array(
        z
          .strictObject({
            weekday: z.number().int().min(0).max(6).describe('0 = Sunday … 6 = Saturday'),
            opens: clockTime,
            closes: clockTime,
          })
          .refine((day) => day.opens < day.closes, 'must close after it opens'),
      )
      .max(7)
      .refine((days) => new Set(days.map((day) => day.weekday)).size === days.length, 'must name each weekday once'),
  })
  .describe('Null: always open');

const keywordSchema = z.string().trim().min(1).max(50);
const handoffSchema = z.strictObject({
  keywords: z.array(keywordSchema).max(50, 'can hold at most 50 keywords'),
  onAiFailure: z
    .enum(aiFailureModes)
    .describe("When the AI fails or finds nothing to answer from: 'handover' to a person, or 'stay' and say so"),
  noAnswerReply: z
    .string()
    .trim()
    .max(300)
    .describe(
      "The sentence the AI is told to reply, word for word, when it cannot answer; a reply in this form counts as 'cannot help' (onAiFailure decides what follows). Empty: not used",
    ),
});

const assignmentSchema = z.strictObject({
  roundRobin: z
    .boolean()
    .describe('A conversation that starts waiting goes to the online operator with the fewest open ones'),
  operatorCapacity: z
    .number()
    .int()
    .min(1)
    .max(100)
    .describe('Round-robin passes by an operator with this many open conversations'),
});

const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour such as '#2563eb'");
const widgetSchema = z.strictObject({
  title: visibleText(60),
  color: colorSchema,
  greeting: z.string().max(500),
  /** Replaces the whole set on PATCH: send every override you keep. */
  texts: widgetTextsSchema,
});

/** An `email` inbox's address, stored lowercase: the SMTP listener routes mail to the inbox by it. */
const emailAddressSchema = z
  .email('must be an email address such as support@shop.example')
  .max(254)
  .transform((value) => value.toLowerCase());

const agentIdSchema = z.uuid('must be an agent id (UUID)').nullable();
const teamIdSchema = z
  .uuid('must be a team id (UUID)')
  .nullable()
  .describe("The team whose queue the inbox's new conversations join (null: no team's)");
const originsSchema = z.array(originSchema).max(20, 'can hold at most 20 origins');

const citationsSchema = z
  .enum(citationModes)
  .describe(
    "How an AI reply's citations reach the contact (widget and email): `titles` lists the cited sources' titles under it, `strip` shows none; `[n]` markers are taken out either way",
  );

export const createInboxBody = z
  .strictObject({
    name: visibleText(100),
    /** Fixed once created: `api` inboxes take messages from the tenant's system, `widget` ones from browsers. */
    kind: z
      .enum(inboxKinds)
      .default('widget')
      .describe(
        "`widget`: website visitors; `api`: your own system posts contacts' messages (API channel); `email`: mail to `emailAddress`",
      ),
    emailAddress: emailAddressSchema
      .optional()
      .describe("An `email` inbox's address: mail to it becomes conversations, replies go out from it"),
    agentId: agentIdSchema.default(null),
    allowedOrigins: originsSchema.default([]),
    widget: widgetSchema.partial().default({}),
    businessHours: businessHoursSchema.nullable().default(null),
    handoff: handoffSchema.partial().default({}),
    csatEnabled: z.boolean().default(false),
    citations: citationsSchema.default('titles'),
    memory: z
      .boolean()
      .default(false)
      .describe(
        "Whether the inbox's agent keeps long-term memory of each contact (the agent's own memory setting must be on too); per contact, never shared. Off by default",
      ),
    assignment: assignmentSchema.partial().default({}),
    teamId: teamIdSchema.default(null),
    replyTargets: replyTargetsBody.default(null),
  })
  .refine((input) => (input.kind === 'email') === (input.emailAddress !== undefined), {
    path: ['emailAddress'],
    message: "is required for an inbox of kind 'email', and only for one",
  });
export type CreateInboxInput = z.infer<typeof createInboxBody>;

export const updateInboxBody = patchBody({
  name: visibleText(100).optional(),
  emailAddress: emailAddressSchema.optional(),
  agentId: agentIdSchema.optional(),
  allowedOrigins: originsSchema.optional(),
  widget: widgetSchema.partial().optional(),
  businessHours: businessHoursSchema.nullable().optional(),
  handoff: handoffSchema.partial().optional(),
  csatEnabled: z.boolean().optional(),
  citations: citationsSchema.optional(),
  memory: z.boolean().optional(),
  assignment: assignmentSchema.partial().optional(),
  teamId: teamIdSchema.optional(),
  replyTargets: replyTargetsBody.optional(),
});
export type UpdateInboxInput = z.infer<typeof updateInboxBody>;

export const inboxSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(inboxKinds),
  emailAddress: z.string().nullable(),
  agentId: z.uuid().nullable(),
  allowedOrigins: z.array(z.string()),
  widget: z.object({ title: z.string(), color: z.string(), greeting: z.string(), texts: widgetTextsViewSchema }),
  businessHours: z
    .object({
      timeZone: z.string(),
      days: z.array(z.object({ weekday: z.number().int(), opens: z.string(), closes: z.string() })),
    })
    .nullable(),
  handoff: z.object({
    keywords: z.array(z.string()),
    onAiFailure: z.enum(aiFailureModes),
    noAnswerReply: z.string(),
  }),
  csatEnabled: z.boolean(),
  citations: z.enum(citationModes),
  memory: z.boolean(),
  assignment: z.object({ roundRobin: z.boolean(), operatorCapacity: z.number().int() }),
  teamId: z.uuid().nullable(),
  replyTargets: replyTargetsSchema,
  signingSecretRotatedAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type InboxView = z.infer<typeof inboxSchema>;

/** Only the answers to create and rotate carry the secret: it is shown once and never again. */
export const inboxWithSecretSchema = inboxSchema.extend({
  signingSecret: z.string().describe('Shown once: store it on your server to sign your users’ ids'),
});

export const inboxPageSchema = pageOf(inboxSchema);

export interface InboxRow {
  readonly id: string;
  readonly name: string;
  readonly kind: InboxKind;
  readonly emailAddress: string | null;
  readonly agentId: string | null;
  readonly allowedOrigins: string[];
  readonly widgetTitle: string;
  readonly widgetColor: string;
  readonly widgetGreeting: string;
  readonly widgetTexts: StoredWidgetTexts;
  readonly businessHours: StoredBusinessHours | null;
  readonly handoffKeywords: string[];
  readonly onAiFailure: (typeof aiFailureModes)[number];
  readonly noAnswerReply: string;
  readonly isCsatEnabled: boolean;
  readonly citations: CitationMode;
  readonly isMemoryEnabled: boolean;
  readonly isAutoAssignEnabled: boolean;
  readonly operatorCapacity: number;
  readonly teamId: string | null;
  readonly replyTargets: StoredReplyTargets | null;
  readonly signingSecretRotatedAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const presentInbox = (inbox: InboxRow): InboxView => ({
  id: inbox.id,
  name: inbox.name,
  kind: inbox.kind,
  emailAddress: inbox.emailAddress,
  agentId: inbox.agentId,
  allowedOrigins: inbox.allowedOrigins,
  widget: {
    title: inbox.widgetTitle,
    color: inbox.widgetColor,
    greeting: inbox.widgetGreeting,
    texts: presentWidgetTexts(inbox.widgetTexts),
  },
  businessHours: inbox.businessHours
    ? { timeZone: inbox.businessHours.timeZone, days: inbox.businessHours.days.map((day) => ({ ...day })) }
    : null,
  handoff: { keywords: inbox.handoffKeywords, onAiFailure: inbox.onAiFailure, noAnswerReply: inbox.noAnswerReply },
  csatEnabled: inbox.isCsatEnabled,
  citations: inbox.citations,
  memory: inbox.isMemoryEnabled,
  assignment: { roundRobin: inbox.isAutoAssignEnabled, operatorCapacity: inbox.operatorCapacity },
  teamId: inbox.teamId,
  replyTargets: presentReplyTargets(inbox.replyTargets),
  signingSecretRotatedAt: inbox.signingSecretRotatedAt.toISOString(),
  createdAt: inbox.createdAt.toISOString(),
  updatedAt: inbox.updatedAt.toISOString(),
});
