import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';
import { useTeams } from '../inbox-settings/team-field';
import { supportBase, supportKeys, targetStateLabels, type SupportConversation } from './support-api';
import { TargetBadge } from './target-badge';

const dueLabels = [
  ['firstResponseDueAt', 'First reply due'],
  ['nextResponseDueAt', 'Next reply due'],
  ['resolutionDueAt', 'Resolution due'],
] as const;

/**
 * The conversation's team, with a move to another team's queue (it then waits there, unassigned), and
 * its running reply-time targets' due times.
 */
export function TeamAndTargets({ conversation }: { conversation: SupportConversation }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const teams = useTeams();
  const selectId = useId();
  const [target, setTarget] = useState('');
  const teamName = teams.data?.items.find((team) => team.id === conversation.teamId)?.name;
  const move = useExclusiveMutation({
    mutationFn: (teamId: string) =>
      api.post<SupportConversation>(`${supportBase}/${conversation.id}/transfer-team`, { teamId }),
    onSuccess: async () => {
      setTarget('');
      await queryClient.invalidateQueries({ queryKey: supportKeys.all });
    },
  });
  const targets = conversation.targets;
  const dues = dueLabels.filter(([key]) => targets?.[key]);
  const others = (teams.data?.items ?? []).filter((team) => team.id !== conversation.teamId);
  return (
    <section className="stack" aria-label="Team and reply-time targets">
      <h3>Team</h3>
      <p>{conversation.teamId ? (teamName ?? 'A team') : 'No team'}</p>
      {conversation.status !== 'resolved' && others.length > 0 && (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            if (target) move.mutate(target);
          }}
        >
          <label htmlFor={selectId} className="visually-hidden">
            Move to team
          </label>
          <select id={selectId} value={target} onChange={(event) => setTarget(event.target.value)}>
            <option value="">Move to team…</option>
            {others.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!target || move.isPending}>
            Move
          </button>
        </form>
      )}
      {move.error ? <ErrorNotice error={move.error} /> : null}
      {dues.length > 0 && (
        <>
          <h3>Reply-time targets</h3>
          <p>
            <TargetBadge targets={targets} />
            {targets?.state === 'on_track' && targetStateLabels.on_track}
          </p>
          <dl className="target-dues">
            {dues.map(([key, label]) => (
              <div key={key}>
                <dt>{label}</dt>
                <dd>{formatDateTime(targets?.[key] ?? '')}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
