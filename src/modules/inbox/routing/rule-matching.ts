import type { InboxKind, SupportPriority, SupportStatus, VisitorContext } from '../../../platform/db/schema/index.js';
import type { RuleAction, RuleCondition } from './routing.schemas.js';

/** What a rule's conditions are judged on: the conversation as the trigger found it, and what fired it. */
export interface RuleSubject {
  readonly inboxId: string;
  readonly inboxKind: InboxKind;
  readonly status: SupportStatus;
  readonly priority: SupportPriority;
  readonly teamId: string | null;
  readonly labels: readonly string[];
  readonly contactAttributes: Record<string, unknown>;
  readonly contactVisitor: VisitorContext | null;
  /** The contact's message (contact_message), the label added (label_added); absent otherwise. */
  readonly messageText?: string | undefined;
  readonly addedLabel?: string | undefined;
}

/** A language tag's first part, lower case: 'de-AT' → 'de'. */
const primaryLanguage = (tag: string) => tag.split('-')[0]!.toLowerCase();

/** Whether one condition holds. Pure: the dry run and the engine judge the same way. */
export function conditionHolds(condition: RuleCondition, subject: RuleSubject): boolean {
  switch (condition.type) {
    case 'inbox':
      return condition.inboxIds.includes(subject.inboxId);
    case 'channel':
      return condition.channels.includes(subject.inboxKind);
    case 'language': {
      // The widget's visitor language (what the contact's browser says), matched by its first part.
      const language = subject.contactVisitor?.language;
      if (!language) return false;
      return condition.languages.some((wanted) =>
        wanted.includes('-')
          ? wanted.toLowerCase() === language.toLowerCase()
          : primaryLanguage(wanted) === primaryLanguage(language),
      );
    }
    case 'text_contains': {
      const text = subject.messageText?.toLocaleLowerCase();
      if (!text) return false;
      return condition.words.some((word) => text.includes(word.toLocaleLowerCase()));
    }
    case 'label':
      // On label_added: the label just added; otherwise: one the conversation has.
      return subject.addedLabel !== undefined
        ? subject.addedLabel === condition.label
        : subject.labels.includes(condition.label);
    case 'contact_attribute': {
      // Attributes are JSON: a number or boolean compares as its text ("42", "true"); objects never match.
      const value = subject.contactAttributes[condition.key];
      return (
        (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') &&
        String(value) === condition.value
      );
    }
    case 'team':
      return subject.teamId === condition.teamId;
    case 'priority':
      return condition.priorities.includes(subject.priority);
    case 'status':
      return condition.statuses.includes(subject.status);
  }
}

export const allConditionsHold = (conditions: readonly RuleCondition[], subject: RuleSubject): boolean =>
  conditions.every((condition) => conditionHolds(condition, subject));

/** One action in words, for the record and the dry run. */
export function describeAction(action: RuleAction): string {
  switch (action.type) {
    case 'assign_team':
      return `assign team ${action.teamId}`;
    case 'assign_operator':
      return `assign operator ${action.operatorId}`;
    case 'add_label':
      return `add label '${action.label}'`;
    case 'set_priority':
      return `set priority ${action.priority}`;
    case 'snooze':
      return `snooze for ${action.minutes} minutes`;
    case 'send_canned_response':
      return `send canned response ${action.cannedResponseId}`;
    case 'hand_to_person':
      return 'hand to a person';
    case 'hand_to_ai':
      return 'hand to the AI';
    case 'webhook':
      return 'send the rule.matched webhook event';
  }
}
