import { z } from 'zod';
import { ruleTriggers } from '../../../platform/db/schema/desk-routing.js';
import { inboxKinds, supportPriorities, supportStatuses } from '../../../platform/db/schema/support.js';
import { patchBody } from '../../../platform/http/common-schemas.js';

const label = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}$/u, 'must be 1–40 letters, digits, spaces, - or _ (a label)');
const listOf = <Item extends z.ZodType>(item: Item, what: string) =>
  z.array(item).min(1, `name at least one ${what}`).max(50, `can name at most 50 ${what}s`);

/** Each condition must hold for a rule to act (all of them: there is no "or" but a list inside one). */
export const ruleConditionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('inbox'), inboxIds: listOf(z.uuid('must be an inbox id (UUID)'), 'inbox') }),
    z.strictObject({ type: z.literal('channel'), channels: listOf(z.enum(inboxKinds), 'channel') }),
    z
      .strictObject({
        type: z.literal('language'),
        languages: listOf(
          z
            .string()
            .trim()
            .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, "must be a language tag such as 'de' or 'pt-BR'"),
          'language',
        ),
      })
      .describe("The contact's browser language (the widget's); 'de' matches 'de-AT'"),
    z
      .strictObject({
        type: z.literal('text_contains'),
        words: listOf(z.string().trim().min(1, 'must not be empty').max(100), 'word'),
      })
      .describe("The contact's message holds any of the words, ignoring case (contact_message rules)"),
    z.strictObject({ type: z.literal('label'), label }),
    z.strictObject({
      type: z.literal('contact_attribute'),
      key: z.string().trim().min(1, 'must not be empty').max(100),
      value: z.string().max(500),
    }),
    z
      .strictObject({ type: z.literal('team'), teamId: z.uuid('must be a team id (UUID), or null').nullable() })
      .describe('The team that has it; null: no team'),
    z.strictObject({ type: z.literal('priority'), priorities: listOf(z.enum(supportPriorities), 'priority') }),
    z.strictObject({ type: z.literal('status'), statuses: listOf(z.enum(supportStatuses), 'status') }),
  ],
  {
    error:
      'must have a type: inbox, channel, language, text_contains, label, contact_attribute, team, priority or status',
  },
);
export type RuleCondition = z.infer<typeof ruleConditionSchema>;

/** What a rule does, in order, each through the desk's own change (as the system, reason `rule: <name>`). */
export const ruleActionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('assign_team'), teamId: z.uuid('must be a team id (UUID)') }),
    z.strictObject({ type: z.literal('assign_operator'), operatorId: z.uuid('must be a user id (UUID)') }),
    z.strictObject({ type: z.literal('add_label'), label }),
    z.strictObject({ type: z.literal('set_priority'), priority: z.enum(supportPriorities) }),
    z.strictObject({
      type: z.literal('snooze'),
      minutes: z
        .number()
        .int('must be whole minutes')
        .min(1, 'must be at least 1 minute')
        .max(43_200, 'must be at most 30 days'),
    }),
    z.strictObject({
      type: z.literal('send_canned_response'),
      cannedResponseId: z.uuid('must be a canned response id (UUID)'),
    }),
    z.strictObject({ type: z.literal('hand_to_person') }),
    z.strictObject({ type: z.literal('hand_to_ai') }),
    z
      .strictObject({ type: z.literal('webhook') })
      .describe('A `rule.matched` webhook event with the rule and conversation'),
  ],
  {
    error:
      'must have a type: assign_team, assign_operator, add_label, set_priority, snooze, send_canned_response, hand_to_person, hand_to_ai or webhook',
  },
);
export type RuleAction = z.infer<typeof ruleActionSchema>;

const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const conditionsSchema = z.array(ruleConditionSchema).max(20, 'can hold at most 20 conditions');
const actionsSchema = z
  .array(ruleActionSchema)
  .min(1, 'name at least one action: a rule that does nothing is not a rule')
  .max(10, 'can hold at most 10 actions');

export const ruleDefinitionSchema = z.strictObject({
  name: nameSchema,
  trigger: z.enum(ruleTriggers, { error: `must be one of ${ruleTriggers.join(', ')}` }),
  conditions: conditionsSchema.default([]),
  actions: actionsSchema,
  isEnabled: z.boolean().default(true),
});
export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;

export const createRuleBody = ruleDefinitionSchema.extend({
  position: z.number().int().min(0).max(10_000).optional().describe('Where it goes in the order (default: last)'),
});
export const updateRuleBody = patchBody({
  name: nameSchema.optional(),
  trigger: z.enum(ruleTriggers, { error: `must be one of ${ruleTriggers.join(', ')}` }).optional(),
  conditions: conditionsSchema.optional(),
  actions: actionsSchema.optional(),
  isEnabled: z.boolean().optional(),
});
export type RuleUpdate = z.infer<typeof updateRuleBody>;

export const reorderRulesBody = z.strictObject({
  ruleIds: z
    .array(z.uuid('must be a rule id (UUID)'))
    .min(1)
    .max(500)
    .describe("Every one of the tenant's rules, in the new order"),
});

export const dryRunBody = z
  .strictObject({
    ruleId: z.uuid('must be a rule id (UUID)').optional(),
    rule: ruleDefinitionSchema.optional().describe('An unsaved rule, as it would be created'),
    limit: z.number().int().min(1).max(200, 'must be at most 200 conversations').default(50),
  })
  .refine((body) => (body.ruleId === undefined) !== (body.rule === undefined), {
    message: 'send either ruleId (a saved rule) or rule (an unsaved one), not both',
  });

export const ruleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  position: z.number().int(),
  trigger: z.enum(ruleTriggers),
  conditions: z.array(ruleConditionSchema),
  actions: z.array(ruleActionSchema),
  isEnabled: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type RuleView = z.infer<typeof ruleSchema>;
export const ruleListSchema = z.object({ items: z.array(ruleSchema) });

/** What one action did, or why it did nothing. */
export const actionOutcomeSchema = z.object({
  action: z.string(),
  outcome: z.enum(['done', 'unchanged', 'failed', 'skipped']),
  detail: z.string().optional(),
});
export type ActionOutcome = z.infer<typeof actionOutcomeSchema>;

export const ruleRunSchema = z.object({
  id: z.uuid(),
  ruleId: z.uuid().nullable(),
  ruleName: z.string(),
  trigger: z.enum(ruleTriggers),
  triggerKey: z.string(),
  depth: z.number().int(),
  /** Empty while its actions run; `stopped: depth bound` when the rule did nothing because of the bound. */
  outcomes: z.array(actionOutcomeSchema),
  createdAt: z.iso.datetime(),
});
export const ruleRunListSchema = z.object({ items: z.array(ruleRunSchema) });

export const dryRunSchema = z.object({
  looked: z.number().int().describe('How many of the most recent conversations were looked at'),
  matches: z.array(
    z.object({
      supportConversationId: z.uuid(),
      status: z.enum(supportStatuses),
      inboxId: z.uuid(),
      wouldDo: z.array(z.string()).describe('Each action, as it would apply'),
    }),
  ),
});
