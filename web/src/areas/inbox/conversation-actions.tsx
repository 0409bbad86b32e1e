import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { Dialog } from '../../ui/dialog';
import { ErrorNotice } from '../../ui/error-notice';
import { Field } from '../../ui/field';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import {
  supportBase,
  supportKeys,
  type DeskOperator,
  type SupportConversation,
  type SupportStatus,
} from './support-api';

type SimpleAction = 'take' | 'resolve' | 'reopen';
type Action = SimpleAction | 'assign' | 'transfer' | 'snooze';

/** Which actions the state machine allows from a status (the server checks again and says why not). */
const actionsByStatus: Record<SupportStatus, readonly Action[]> = {
  bot: ['take', 'assign', 'resolve'],
  pending: ['take', 'assign', 'resolve'],
  open: ['transfer', 'snooze', 'resolve'],
  snoozed: ['transfer', 'snooze', 'reopen', 'resolve'],
  resolved: ['reopen'],
};

const actionLabels: Record<Action, string> = {
  take: 'Take',
  assign: 'Assign…',
  transfer: 'Transfer…',
  snooze: 'Snooze…',
  resolve: 'Resolve',
  reopen: 'Reopen',
};

/** An hour from now as a `datetime-local` value, in the operator's own time zone. */
function inAnHour(): string {
  const date = new Date(Date.now() + 3_600_000);
  date.setSeconds(0, 0);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/**
 * The operator's actions on one conversation. Each is one request; a refusal (409 someone took it
 * first, 422 a time in the past) shows the server's sentence here.
 */
export function ConversationActions({ conversation }: { conversation: SupportConversation }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'assign' | 'transfer' | 'snooze' | null>(null);
  const [operatorId, setOperatorId] = useState('');
  const [until, setUntil] = useState(inAnHour);

  const act = useExclusiveMutation({
    mutationFn: ({ action, body }: { action: Action; body: object }) =>
      api.post<SupportConversation>(`${supportBase}/${conversation.id}/${action}`, body),
    onSuccess: async (updated) => {
      setDialog(null);
      queryClient.setQueryData(supportKeys.conversation(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: supportKeys.all });
    },
  });
  // GET /v1/operators, which operators may read (GET /v1/users is for admins), with each one's presence.
  const users = useQuery({
    queryKey: supportKeys.operators,
    queryFn: () => api.get<{ items: DeskOperator[] }>('/v1/operators'),
    enabled: dialog === 'assign' || dialog === 'transfer',
  });
  const operators = users.data?.items ?? [];

  function open(action: Action) {
    act.reset();
    if (action === 'assign' || action === 'transfer' || action === 'snooze') setDialog(action);
    else act.mutate({ action, body: {} });
  }

  function submitDialog(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (dialog === 'snooze') act.mutate({ action: 'snooze', body: { until: new Date(until).toISOString() } });
    else if (dialog) act.mutate({ action: dialog, body: { operatorId } });
  }

  return (
    <div className="stack">
      <div className="row support-actions" role="group" aria-label="Conversation actions">
        {actionsByStatus[conversation.status].map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'take' || action === 'resolve' ? 'primary' : undefined}
            disabled={act.isPending}
            onClick={() => open(action)}
          >
            {actionLabels[action]}
          </button>
        ))}
      </div>
      {act.error && !dialog ? <ErrorNotice error={act.error} /> : null}
      {dialog && (
        <Dialog
          title={
            dialog === 'snooze'
              ? 'Snooze the conversation'
              : dialog === 'assign'
                ? 'Assign to an operator'
                : 'Transfer to an operator'
          }
          onClose={() => setDialog(null)}
        >
          <form className="stack" onSubmit={submitDialog}>
            {dialog === 'snooze' ? (
              <Field label="Until" field="until" error={act.error} hint="It opens again at this time.">
                {(control) => (
                  <input
                    {...control}
                    type="datetime-local"
                    value={until}
                    onChange={(event) => setUntil(event.target.value)}
                    required
                    data-autofocus
                  />
                )}
              </Field>
            ) : (
              <Field label="Operator" field="operatorId" error={act.error}>
                {(control) => (
                  <select
                    {...control}
                    value={operatorId}
                    onChange={(event) => setOperatorId(event.target.value)}
                    required
                    data-autofocus
                  >
                    <option value="">{users.isPending ? 'Loading operators…' : 'Choose an operator'}</option>
                    {operators.map((operator) => (
                      <option key={operator.id} value={operator.id}>
                        {operator.name} ({operator.presence})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            {users.error && dialog !== 'snooze' ? <ErrorNotice error={users.error} /> : null}
            {act.error ? <ErrorNotice error={act.error} /> : null}
            <div className="row dialog-actions">
              <button type="button" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={act.isPending}>
                {act.isPending ? 'Please wait…' : dialog === 'snooze' ? 'Snooze' : actionLabels[dialog].slice(0, -1)}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </div>
  );
}
