import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { priorities, routingKeys, triggerLabels, type RuleRun } from '../inbox-settings/routing-rules-api';
import { supportBase, supportKeys, type SupportConversation } from './support-api';

/**
 * The conversation's priority (changed here over PATCH, as a routing rule's "set priority" does) and
 * which routing rules did what to it, oldest first, with each action's outcome in words.
 */
export function PriorityAndRules({ conversation }: { conversation: SupportConversation }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const selectId = useId();
  const runs = useQuery({
    queryKey: [...routingKeys.runs(conversation.id), conversation.updatedAt],
    queryFn: () => api.get<{ items: RuleRun[] }>(`${supportBase}/${conversation.id}/rule-runs`),
  });
  const change = useExclusiveMutation({
    mutationFn: (priority: string) => api.patch<SupportConversation>(`${supportBase}/${conversation.id}`, { priority }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: supportKeys.all }),
  });
  return (
    <section className="stack" aria-label="Priority and rules">
      <h3>Priority</h3>
      <div className="row">
        <label htmlFor={selectId}>Priority</label>
        <select
          id={selectId}
          value={conversation.priority ?? 'none'}
          disabled={change.isPending}
          onChange={(event) => change.mutate(event.target.value)}
        >
          {priorities.map((priority) => (
            <option key={priority} value={priority}>
              {priority}
            </option>
          ))}
        </select>
      </div>
      {change.error ? <ErrorNotice error={change.error} /> : null}
      <h3>Rules</h3>
      {runs.isError ? (
        <ErrorNotice error={runs.error} onRetry={() => void runs.refetch()} />
      ) : (runs.data?.items.length ?? 0) === 0 ? (
        <p className="muted">No rule has acted on it.</p>
      ) : (
        <ul className="stack" aria-label="Rules that acted">
          {runs.data?.items.map((run) => (
            <li key={run.id}>
              <strong>{run.ruleName}</strong> · {triggerLabels[run.trigger]} · {formatDateTime(run.createdAt)}
              <ul>
                {run.outcomes.length === 0 ? <li className="muted">Its actions did not finish.</li> : null}
                {run.outcomes.map((outcome, index) => (
                  <li key={index}>
                    {outcome.action}: {outcome.outcome}
                    {outcome.detail ? ` (${outcome.detail})` : ''}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
