import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNotice } from '../../ui/error-notice';
import {
  actionLabels,
  blankAction,
  blankCondition,
  conditionLabels,
  ruleTriggers,
  triggerLabels,
  type ActionType,
  type ConditionType,
  type DryRunAnswer,
  type RuleAction,
  type RuleCondition,
  type RuleDraft,
} from './routing-rules-api';
import { ActionValue, Choice, ConditionValue, type RuleChoices } from './rule-rows';

export type { RuleChoices } from './rule-rows';

function Rows<Item>(props: {
  legend: string;
  noun: string;
  items: Item[];
  render: (item: Item, index: number) => ReactNode;
  onRemove: (index: number) => void;
  adder: ReactNode;
}) {
  return (
    <fieldset className="stack">
      <legend>{props.legend}</legend>
      {props.items.length === 0 ? <p className="muted">None.</p> : null}
      <ol className="stack">
        {props.items.map((item, index) => (
          <li key={index} className="row">
            {props.render(item, index)}
            <button type="button" onClick={() => props.onRemove(index)}>
              Remove {props.noun} {index + 1}
            </button>
          </li>
        ))}
      </ol>
      {props.adder}
    </fieldset>
  );
}

/**
 * A rule as form rows: its name and trigger, its conditions (all must hold), its actions (in order), and a
 * dry run over recent conversations. No JSON is typed: each row is a choice of kind and of value.
 */
export function RuleEditor(props: {
  initial: RuleDraft;
  choices: RuleChoices;
  submitLabel: string;
  isSaving: boolean;
  error: unknown;
  onSubmit: (draft: RuleDraft) => void;
  onCancel?: () => void;
  onDryRun: (draft: RuleDraft) => void;
  dryRun?: { answer?: DryRunAnswer | undefined; error?: unknown; isPending: boolean };
}) {
  const { choices } = props;
  const [draft, setDraft] = useState<RuleDraft>(props.initial);
  const [newCondition, setNewCondition] = useState<ConditionType>('inbox');
  const [newAction, setNewAction] = useState<ActionType>('assign_team');
  const first = {
    inboxId: choices.inboxes[0]?.id,
    teamId: choices.teams[0]?.id,
    operatorId: choices.operators[0]?.id,
    cannedResponseId: choices.cannedResponses[0]?.id,
  };
  const setCondition = (index: number, next: RuleCondition) =>
    setDraft({ ...draft, conditions: draft.conditions.map((item, at) => (at === index ? next : item)) });
  const setAction = (index: number, next: RuleAction) =>
    setDraft({ ...draft, actions: draft.actions.map((item, at) => (at === index ? next : item)) });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    props.onSubmit({ ...draft, name: draft.name.trim() });
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-label={props.submitLabel}>
      <label>
        Rule name
        <input
          type="text"
          required
          maxLength={100}
          value={draft.name}
          onChange={(event) => setDraft({ ...draft, name: event.target.value })}
        />
      </label>
      <label>
        When
        <select
          value={draft.trigger}
          onChange={(event) => setDraft({ ...draft, trigger: event.target.value as RuleDraft['trigger'] })}
        >
          {ruleTriggers.map((trigger) => (
            <option key={trigger} value={trigger}>
              {triggerLabels[trigger]}
            </option>
          ))}
        </select>
      </label>
      <Rows
        legend="And every condition holds"
        noun="condition"
        items={draft.conditions}
        onRemove={(index) => setDraft({ ...draft, conditions: draft.conditions.filter((_, at) => at !== index) })}
        render={(condition, index) => (
          <>
            <span>{conditionLabels[condition.type]}</span>
            <ConditionValue
              condition={condition}
              label={`Condition ${index + 1}: ${conditionLabels[condition.type]}`}
              choices={choices}
              onChange={(next) => setCondition(index, next)}
            />
          </>
        )}
        adder={
          <div className="row">
            <Choice
              label="New condition"
              value={newCondition}
              options={Object.entries(conditionLabels).map(([value, label]) => ({ value, label }))}
              onChange={(value) => setNewCondition(value as ConditionType)}
            />
            <button
              type="button"
              onClick={() =>
                setDraft({ ...draft, conditions: [...draft.conditions, blankCondition(newCondition, first)] })
              }
            >
              Add condition
            </button>
          </div>
        }
      />
      <Rows
        legend="Then, in order"
        noun="action"
        items={draft.actions}
        onRemove={(index) => setDraft({ ...draft, actions: draft.actions.filter((_, at) => at !== index) })}
        render={(action, index) => (
          <>
            <span>{actionLabels[action.type]}</span>
            <ActionValue
              action={action}
              label={`Action ${index + 1}: ${actionLabels[action.type]}`}
              choices={choices}
              onChange={(next) => setAction(index, next)}
            />
          </>
        )}
        adder={
          <div className="row">
            <Choice
              label="New action"
              value={newAction}
              options={Object.entries(actionLabels).map(([value, label]) => ({ value, label }))}
              onChange={(value) => setNewAction(value as ActionType)}
            />
            <button
              type="button"
              onClick={() => setDraft({ ...draft, actions: [...draft.actions, blankAction(newAction, first)] })}
            >
              Add action
            </button>
          </div>
        }
      />
      {props.error ? <ErrorNotice error={props.error} /> : null}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={props.isSaving}>
          {props.isSaving ? 'Saving…' : props.submitLabel}
        </button>
        <button type="button" onClick={() => props.onDryRun(draft)} disabled={props.dryRun?.isPending}>
          Dry run
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <DryRunResult {...props.dryRun} />
    </form>
  );
}

function DryRunResult(props: { answer?: DryRunAnswer | undefined; error?: unknown; isPending?: boolean }) {
  if (props.isPending) return <p className="muted state-text">Looking at recent conversations…</p>;
  if (props.error) return <ErrorNotice error={props.error} />;
  if (!props.answer) return null;
  const { answer } = props;
  return (
    <section aria-label="Dry run" className="stack">
      <p>
        {answer.matches.length} of the {answer.looked} most recent conversations would match. Nothing was changed.
      </p>
      {answer.matches.length > 0 ? (
        <ul>
          {answer.matches.map((match) => (
            <li key={match.supportConversationId}>
              <code>{match.supportConversationId.slice(0, 8)}</code> ({match.status}): {match.wouldDo.join('; ')}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
