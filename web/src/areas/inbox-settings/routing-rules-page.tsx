import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { ErrorNotice } from '../../ui/error-notice';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { supportKeys, type CannedResponse, type DeskOperator, type InboxSummary } from '../inbox/support-api';
import { RuleEditor, type RuleChoices } from './rule-editor';
import { routingKeys, triggerLabels, type DryRunAnswer, type RoutingRule, type RuleDraft } from './routing-rules-api';
import { teamKeys, type Team } from './teams-api';

const emptyDraft: RuleDraft = { name: '', trigger: 'created', conditions: [], actions: [], isEnabled: true };
/** What the editor changes of a saved rule (the server refuses fields it does not take). */
const draftOf = ({ name, trigger, conditions, actions, isEnabled }: RoutingRule): RuleDraft => ({
  name,
  trigger,
  conditions,
  actions,
  isEnabled,
});

/** The tenant's inboxes, teams, operators and canned responses: what a rule's rows offer. */
function useRuleChoices(): RuleChoices {
  const { api } = useServices();
  const inboxes = useQuery({
    queryKey: ['inboxes', 'summaries'],
    queryFn: () => api.get<{ items: InboxSummary[] }>('/v1/inboxes?limit=100'),
  });
  const teams = useQuery({ queryKey: teamKeys.all, queryFn: () => api.get<{ items: Team[] }>('/v1/teams') });
  const operators = useQuery({
    queryKey: supportKeys.operators,
    queryFn: () => api.get<{ items: DeskOperator[] }>('/v1/operators'),
  });
  const canned = useQuery({
    queryKey: supportKeys.cannedResponses,
    queryFn: () => api.get<{ items: CannedResponse[] }>('/v1/canned-responses'),
  });
  return {
    inboxes: inboxes.data?.items ?? [],
    teams: teams.data?.items ?? [],
    operators: operators.data?.items ?? [],
    cannedResponses: canned.data?.items ?? [],
  };
}

/** Dry runs of the rule being edited: which recent conversations it would match, changing nothing. */
function useDryRun() {
  const { api } = useServices();
  return useMutation({
    mutationFn: (draft: RuleDraft) =>
      api.post<DryRunAnswer>('/v1/routing-rules/dry-run', {
        rule: { ...draft, name: draft.name.trim() || 'Dry run' },
        limit: 200,
      }),
  });
}

/**
 * Routing rules, in the order they are looked at: move up or down, switch on or off, edit as form rows,
 * dry-run before saving (docs/desk-routing.md).
 */
export function RoutingRulesPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const choices = useRuleChoices();
  const list = useQuery({
    queryKey: routingKeys.rules,
    queryFn: () => api.get<{ items: RoutingRule[] }>('/v1/routing-rules'),
  });
  const [editing, setEditing] = useState<RoutingRule | 'new' | null>(null);
  const [toDelete, setToDelete] = useState<RoutingRule | null>(null);
  const dryRun = useDryRun();
  const refresh = () => queryClient.invalidateQueries({ queryKey: routingKeys.rules });

  const save = useExclusiveMutation({
    mutationFn: (draft: RuleDraft) =>
      editing === 'new' || editing === null
        ? api.post<RoutingRule>('/v1/routing-rules', draft)
        : api.patch<RoutingRule>(`/v1/routing-rules/${editing.id}`, draft),
    onSuccess: async () => {
      setEditing(null);
      dryRun.reset();
      await refresh();
    },
  });
  const toggle = useExclusiveMutation({
    mutationFn: (rule: RoutingRule) => api.patch(`/v1/routing-rules/${rule.id}`, { isEnabled: !rule.isEnabled }),
    onSuccess: refresh,
  });
  const move = useExclusiveMutation({
    mutationFn: ({ index, by }: { index: number; by: -1 | 1 }) => {
      const ids = (list.data?.items ?? []).map((rule) => rule.id);
      const [moved] = ids.splice(index, 1);
      ids.splice(index + by, 0, moved!);
      return api.put('/v1/routing-rules/order', { ruleIds: ids });
    },
    onSuccess: refresh,
  });
  const remove = useExclusiveMutation({
    mutationFn: (rule: RoutingRule) => api.delete(`/v1/routing-rules/${rule.id}`),
    onSuccess: async () => {
      setToDelete(null);
      await refresh();
    },
  });
  const rules = list.data?.items ?? [];

  return (
    <section className="stack" aria-labelledby="rules-heading">
      <h1 id="rules-heading">Routing rules</h1>
      <p className="muted">
        When something happens to a conversation, each enabled rule of that kind is looked at in this order; a rule
        whose conditions all hold does its actions, once.
      </p>
      {editing ? (
        <RuleEditor
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? emptyDraft : draftOf(editing)}
          choices={choices}
          submitLabel={editing === 'new' ? 'Create rule' : 'Save rule'}
          isSaving={save.isPending}
          error={save.error}
          onSubmit={(draft) => save.mutate(draft)}
          onCancel={() => {
            setEditing(null);
            dryRun.reset();
          }}
          onDryRun={(draft) => dryRun.mutate(draft)}
          dryRun={{ answer: dryRun.data, error: dryRun.error, isPending: dryRun.isPending }}
        />
      ) : (
        <div className="row">
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New rule
          </button>
        </div>
      )}
      {toggle.error || move.error ? <ErrorNotice error={toggle.error ?? move.error} /> : null}
      {list.isPending ? (
        <p className="muted state-text">Loading rules…</p>
      ) : list.isError ? (
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
      ) : rules.length === 0 ? (
        <p className="muted state-text">No routing rules yet.</p>
      ) : (
        <ol className="stack" aria-label="Rules in order">
          {rules.map((rule, index) => (
            <li key={rule.id} className="card row">
              <div className="stack">
                <strong>{rule.name}</strong>
                <span className="muted">
                  {triggerLabels[rule.trigger]} · {rule.conditions.length} condition(s) · {rule.actions.length}{' '}
                  action(s)
                  {rule.isEnabled ? '' : ' · off'}
                </span>
              </div>
              <div className="row">
                <button
                  type="button"
                  disabled={index === 0 || move.isPending}
                  onClick={() => move.mutate({ index, by: -1 })}
                >
                  Move {rule.name} up
                </button>
                <button
                  type="button"
                  disabled={index === rules.length - 1 || move.isPending}
                  onClick={() => move.mutate({ index, by: 1 })}
                >
                  Move {rule.name} down
                </button>
                <label>
                  <input type="checkbox" checked={rule.isEnabled} onChange={() => toggle.mutate(rule)} /> {rule.name}{' '}
                  enabled
                </label>
                <button type="button" onClick={() => setEditing(rule)}>
                  Edit {rule.name}
                </button>
                <button type="button" className="danger" onClick={() => setToDelete(rule)}>
                  Delete {rule.name}
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
      {toDelete ? (
        <ConfirmDialog
          title={`Delete the rule ${toDelete.name}?`}
          confirmLabel="Delete rule"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          <p>What it already did stays recorded on the conversations, under its name.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
