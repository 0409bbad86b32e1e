import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../app-context';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { Dialog } from '../../ui/dialog';
import { ErrorNotice } from '../../ui/error-notice';
import { Field, FieldGroup, TextField } from '../../ui/field';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { supportKeys, type DeskOperator } from '../inbox/support-api';
import { useTeams } from './team-field';
import {
  ReplyTargetsFields,
  replyTargetsDraftOf,
  replyTargetsOf,
  type ReplyTargetsDraft,
} from './reply-targets-fields';
import { describeTargets, teamKeys, type Team } from './teams-api';

interface TeamDraft {
  name: string;
  description: string;
  targets: ReplyTargetsDraft;
  memberIds: string[];
}

const draftOf = (team?: Team): TeamDraft => ({
  name: team?.name ?? '',
  description: team?.description ?? '',
  targets: replyTargetsDraftOf(team?.replyTargets),
  memberIds: team?.members.map((member) => member.userId) ?? [],
});

function TeamFields(props: {
  draft: TeamDraft;
  onChange: (change: Partial<TeamDraft>) => void;
  operators: DeskOperator[];
  error: unknown;
}) {
  const { draft, onChange, error } = props;
  return (
    <>
      <TextField
        label="Name"
        field="name"
        error={error}
        value={draft.name}
        onValueChange={(name) => onChange({ name })}
        required
        maxLength={60}
      />
      <Field label="Description" field="description" error={error}>
        {(control) => (
          <textarea
            {...control}
            rows={2}
            maxLength={500}
            value={draft.description}
            onChange={(event) => onChange({ description: event.target.value })}
          />
        )}
      </Field>
      <FieldGroup legend="Members" field="userIds" error={error}>
        {props.operators.length === 0 ? (
          <p className="muted">No operators yet.</p>
        ) : (
          props.operators.map((operator) => (
            <label key={operator.id} className="inline">
              <input
                type="checkbox"
                checked={draft.memberIds.includes(operator.id)}
                onChange={(event) =>
                  onChange({
                    memberIds: event.target.checked
                      ? [...draft.memberIds, operator.id]
                      : draft.memberIds.filter((id) => id !== operator.id),
                  })
                }
              />{' '}
              {operator.name}
            </label>
          ))
        )}
      </FieldGroup>
      <ReplyTargetsFields value={draft.targets} onChange={(targets) => onChange({ targets })} error={error} />
    </>
  );
}

/** Teams of operators, each with a queue of its own, members and reply-time targets; for administrators. */
export function TeamsPage() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const teams = useTeams();
  const operators = useQuery({
    queryKey: supportKeys.operators,
    queryFn: () => api.get<{ items: DeskOperator[] }>('/v1/operators'),
  });
  const [draft, setDraft] = useState<TeamDraft>(draftOf());
  const [editing, setEditing] = useState<{ team: Team; draft: TeamDraft } | null>(null);
  const [toDelete, setToDelete] = useState<Team | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: teamKeys.all });

  /** The team itself, then its members: two calls, as the API keeps the member list apart. */
  async function save(changed: TeamDraft, team?: Team) {
    const body = {
      name: changed.name.trim(),
      description: changed.description.trim(),
      replyTargets: replyTargetsOf(changed.targets),
    };
    const saved = team ? await api.patch<Team>(`/v1/teams/${team.id}`, body) : await api.post<Team>('/v1/teams', body);
    return api.put<Team>(`/v1/teams/${saved.id}/members`, { userIds: changed.memberIds });
  }
  const create = useExclusiveMutation({
    mutationFn: () => save(draft),
    onSuccess: async () => {
      setDraft(draftOf());
      await refresh();
    },
  });
  const update = useExclusiveMutation({
    mutationFn: (change: { team: Team; draft: TeamDraft }) => save(change.draft, change.team),
    onSuccess: async () => {
      setEditing(null);
      await refresh();
    },
  });
  const remove = useExclusiveMutation({
    mutationFn: (team: Team) => api.delete(`/v1/teams/${team.id}`),
    onSuccess: async () => {
      setToDelete(null);
      await refresh();
    },
  });
  const operatorList = operators.data?.items ?? [];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section className="stack" aria-labelledby="teams-heading">
      <h1 id="teams-heading">Teams</h1>
      <p className="muted">
        A team has its own queue in the Inbox. Inboxes and routing rules send conversations to it; round-robin gives
        them to its members. Every operator can still open every conversation.
      </p>
      {teams.isPending ? (
        <p className="muted state-text">Loading teams…</p>
      ) : teams.isError ? (
        <ErrorNotice error={teams.error} onRetry={() => void teams.refetch()} />
      ) : teams.data.items.length === 0 ? (
        <p className="muted state-text">No teams yet.</p>
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Members</th>
              <th scope="col">Reply-time targets</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {teams.data.items.map((team) => (
              <tr key={team.id}>
                <th scope="row" className="cell-title">
                  {team.name}
                  {team.description && <span className="muted"> · {team.description}</span>}
                </th>
                <td data-label="Members">
                  {team.members.length === 0 ? 'None' : team.members.map((member) => member.name).join(', ')}
                </td>
                <td data-label="Reply-time targets">{describeTargets(team.replyTargets)}</td>
                <td className="cell-actions">
                  <div className="row">
                    <button type="button" onClick={() => (update.reset(), setEditing({ team, draft: draftOf(team) }))}>
                      Edit <span className="visually-hidden">{team.name}</span>
                    </button>
                    <button type="button" className="danger" onClick={() => (remove.reset(), setToDelete(team))}>
                      Delete <span className="visually-hidden">{team.name}</span>
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="card stack form" onSubmit={submit} aria-labelledby="team-create-heading">
        <h2 id="team-create-heading">New team</h2>
        <TeamFields
          draft={draft}
          onChange={(change) => setDraft({ ...draft, ...change })}
          operators={operatorList}
          error={create.error}
        />
        {create.error ? <ErrorNotice error={create.error} /> : null}
        <div className="row form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add team'}
          </button>
        </div>
      </form>
      {editing && (
        <Dialog title={`Edit ${editing.team.name}`} onClose={() => setEditing(null)}>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              update.mutate(editing);
            }}
          >
            <TeamFields
              draft={editing.draft}
              onChange={(change) => setEditing({ ...editing, draft: { ...editing.draft, ...change } })}
              operators={operatorList}
              error={update.error}
            />
            {update.error ? <ErrorNotice error={update.error} /> : null}
            <div className="row dialog-actions">
              <button type="button" onClick={() => setEditing(null)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={update.isPending}>
                Save
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {toDelete && (
        <ConfirmDialog
          title={`Delete ${toDelete.name}?`}
          confirmLabel="Delete"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          Its conversations and inboxes keep no team; they stay in everyone's queue. This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
