/** A routing rule as /v1/routing-rules answers it (docs/desk-routing.md, "Routing rules"). */
export const ruleTriggers = [
  'created',
  'contact_message',
  'label_added',
  'status_changed',
  'business_hours_started',
  'business_hours_ended',
] as const;
export type RuleTrigger = (typeof ruleTriggers)[number];

export const triggerLabels: Record<RuleTrigger, string> = {
  created: 'A conversation is created',
  contact_message: 'The contact writes',
  label_added: 'A label is added',
  status_changed: 'The status changes',
  business_hours_started: 'Business hours start',
  business_hours_ended: 'Business hours end',
};

export const priorities = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export const statuses = ['bot', 'pending', 'open', 'snoozed', 'resolved'] as const;
export const channels = ['widget', 'email', 'api'] as const;

export type RuleCondition =
  | { type: 'inbox'; inboxIds: string[] }
  | { type: 'channel'; channels: string[] }
  | { type: 'language'; languages: string[] }
  | { type: 'text_contains'; words: string[] }
  | { type: 'label'; label: string }
  | { type: 'contact_attribute'; key: string; value: string }
  | { type: 'team'; teamId: string | null }
  | { type: 'priority'; priorities: string[] }
  | { type: 'status'; statuses: string[] };
export type ConditionType = RuleCondition['type'];

export type RuleAction =
  | { type: 'assign_team'; teamId: string }
  | { type: 'assign_operator'; operatorId: string }
  | { type: 'add_label'; label: string }
  | { type: 'set_priority'; priority: string }
  | { type: 'snooze'; minutes: number }
  | { type: 'send_canned_response'; cannedResponseId: string }
  | { type: 'hand_to_person' }
  | { type: 'hand_to_ai' }
  | { type: 'webhook' };
export type ActionType = RuleAction['type'];

export const conditionLabels: Record<ConditionType, string> = {
  inbox: 'Inbox is',
  channel: 'Channel is',
  language: 'Language is',
  text_contains: 'Message contains any of',
  label: 'Has label',
  contact_attribute: 'Contact attribute equals',
  team: 'Team is',
  priority: 'Priority is',
  status: 'Status is',
};

export const actionLabels: Record<ActionType, string> = {
  assign_team: 'Assign team',
  assign_operator: 'Assign operator',
  add_label: 'Add label',
  set_priority: 'Set priority',
  snooze: 'Snooze (minutes)',
  send_canned_response: 'Send canned response',
  hand_to_person: 'Hand to a person',
  hand_to_ai: 'Hand to the AI',
  webhook: 'Send the rule.matched webhook',
};

export interface RoutingRule {
  id: string;
  name: string;
  position: number;
  trigger: RuleTrigger;
  conditions: RuleCondition[];
  actions: RuleAction[];
  isEnabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type RuleDraft = Pick<RoutingRule, 'name' | 'trigger' | 'conditions' | 'actions' | 'isEnabled'>;

export interface DryRunAnswer {
  looked: number;
  matches: { supportConversationId: string; status: string; inboxId: string; wouldDo: string[] }[];
}

/** Which rule did what to a conversation (GET /v1/support-conversations/:id/rule-runs). */
export interface RuleRun {
  id: string;
  ruleId: string | null;
  ruleName: string;
  trigger: RuleTrigger;
  triggerKey: string;
  depth: number;
  outcomes: { action: string; outcome: 'done' | 'unchanged' | 'failed' | 'skipped'; detail?: string }[];
  createdAt: string;
}

export const routingKeys = {
  rules: ['routing-rules'] as const,
  runs: (supportConversationId: string) => ['routing-rules', 'runs', supportConversationId] as const,
};

/** A new row of each kind, with the first choice filled where there is one. */
export function blankCondition(type: ConditionType, firstIds: { inboxId?: string; teamId?: string }): RuleCondition {
  switch (type) {
    case 'inbox':
      return { type, inboxIds: firstIds.inboxId ? [firstIds.inboxId] : [] };
    case 'channel':
      return { type, channels: ['widget'] };
    case 'language':
      return { type, languages: [] };
    case 'text_contains':
      return { type, words: [] };
    case 'label':
      return { type, label: '' };
    case 'contact_attribute':
      return { type, key: '', value: '' };
    case 'team':
      return { type, teamId: firstIds.teamId ?? null };
    case 'priority':
      return { type, priorities: ['high'] };
    case 'status':
      return { type, statuses: ['pending'] };
  }
}

export function blankAction(
  type: ActionType,
  firstIds: { teamId?: string; operatorId?: string; cannedResponseId?: string },
): RuleAction {
  switch (type) {
    case 'assign_team':
      return { type, teamId: firstIds.teamId ?? '' };
    case 'assign_operator':
      return { type, operatorId: firstIds.operatorId ?? '' };
    case 'add_label':
      return { type, label: '' };
    case 'set_priority':
      return { type, priority: 'high' };
    case 'snooze':
      return { type, minutes: 60 };
    case 'send_canned_response':
      return { type, cannedResponseId: firstIds.cannedResponseId ?? '' };
    case 'hand_to_person':
    case 'hand_to_ai':
    case 'webhook':
      return { type };
  }
}

/** "a, b, c" typed in a box → the list (blank parts dropped). */
export const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
