/** The rows of the rule editor: a choice or a text box per condition and action, by its kind. */
import { channels, priorities, splitList, statuses, type RuleAction, type RuleCondition } from './routing-rules-api';

/** The tenant's own things a rule can name, for the rows' choices. */
export interface RuleChoices {
  inboxes: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  operators: { id: string; name: string }[];
  cannedResponses: { id: string; shortcode: string }[];
}

export function Choice(props: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  return (
    <select aria-label={props.label} value={props.value} onChange={(event) => props.onChange(event.target.value)}>
      {props.options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

function TextBox(props: { label: string; value: string; onChange: (value: string) => void; placeholder?: string }) {
  return (
    <input
      type="text"
      aria-label={props.label}
      value={props.value}
      placeholder={props.placeholder}
      maxLength={500}
      onChange={(event) => props.onChange(event.target.value)}
    />
  );
}

const plain = (values: readonly string[]) => values.map((value) => ({ value, label: value }));

/** The value part of a condition row, by its type. */
export function ConditionValue(props: {
  condition: RuleCondition;
  label: string;
  choices: RuleChoices;
  onChange: (next: RuleCondition) => void;
}) {
  const { condition, label, choices, onChange } = props;
  switch (condition.type) {
    case 'inbox':
      return (
        <Choice
          label={label}
          value={condition.inboxIds[0] ?? ''}
          options={choices.inboxes.map((inbox) => ({ value: inbox.id, label: inbox.name }))}
          onChange={(id) => onChange({ ...condition, inboxIds: [id] })}
        />
      );
    case 'channel':
      return (
        <Choice
          label={label}
          value={condition.channels[0] ?? ''}
          options={plain(channels)}
          onChange={(value) => onChange({ ...condition, channels: [value] })}
        />
      );
    case 'language':
      return (
        <TextBox
          label={label}
          placeholder="de, fr"
          value={condition.languages.join(', ')}
          onChange={(text) => onChange({ ...condition, languages: splitList(text) })}
        />
      );
    case 'text_contains':
      return (
        <TextBox
          label={label}
          placeholder="invoice, refund"
          value={condition.words.join(', ')}
          onChange={(text) => onChange({ ...condition, words: splitList(text) })}
        />
      );
    case 'label':
      return (
        <TextBox label={label} value={condition.label} onChange={(text) => onChange({ ...condition, label: text })} />
      );
    case 'contact_attribute':
      return (
        <>
          <TextBox
            label={`${label}: key`}
            placeholder="plan"
            value={condition.key}
            onChange={(key) => onChange({ ...condition, key })}
          />
          <TextBox
            label={`${label}: value`}
            placeholder="enterprise"
            value={condition.value}
            onChange={(value) => onChange({ ...condition, value })}
          />
        </>
      );
    case 'team':
      return (
        <Choice
          label={label}
          value={condition.teamId ?? ''}
          options={[
            { value: '', label: 'No team' },
            ...choices.teams.map((team) => ({ value: team.id, label: team.name })),
          ]}
          onChange={(id) => onChange({ ...condition, teamId: id === '' ? null : id })}
        />
      );
    case 'priority':
      return (
        <Choice
          label={label}
          value={condition.priorities[0] ?? ''}
          options={plain(priorities)}
          onChange={(value) => onChange({ ...condition, priorities: [value] })}
        />
      );
    case 'status':
      return (
        <Choice
          label={label}
          value={condition.statuses[0] ?? ''}
          options={plain(statuses)}
          onChange={(value) => onChange({ ...condition, statuses: [value] })}
        />
      );
  }
}

/** The value part of an action row, by its type (none for the actions without one). */
export function ActionValue(props: {
  action: RuleAction;
  label: string;
  choices: RuleChoices;
  onChange: (next: RuleAction) => void;
}) {
  const { action, label, choices, onChange } = props;
  switch (action.type) {
    case 'assign_team':
      return (
        <Choice
          label={label}
          value={action.teamId}
          options={choices.teams.map((team) => ({ value: team.id, label: team.name }))}
          onChange={(teamId) => onChange({ ...action, teamId })}
        />
      );
    case 'assign_operator':
      return (
        <Choice
          label={label}
          value={action.operatorId}
          options={choices.operators.map((user) => ({ value: user.id, label: user.name }))}
          onChange={(operatorId) => onChange({ ...action, operatorId })}
        />
      );
    case 'add_label':
      return <TextBox label={label} value={action.label} onChange={(text) => onChange({ ...action, label: text })} />;
    case 'set_priority':
      return (
        <Choice
          label={label}
          value={action.priority}
          options={plain(priorities)}
          onChange={(priority) => onChange({ ...action, priority })}
        />
      );
    case 'snooze':
      return (
        <input
          type="number"
          aria-label={label}
          min={1}
          max={43200}
          value={action.minutes}
          onChange={(event) => onChange({ ...action, minutes: Number(event.target.value) })}
        />
      );
    case 'send_canned_response':
      return (
        <Choice
          label={label}
          value={action.cannedResponseId}
          options={choices.cannedResponses.map((canned) => ({ value: canned.id, label: `/${canned.shortcode}` }))}
          onChange={(cannedResponseId) => onChange({ ...action, cannedResponseId })}
        />
      );
    case 'hand_to_person':
    case 'hand_to_ai':
    case 'webhook':
      return null;
  }
}
