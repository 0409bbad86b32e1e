import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import { teamKeys, type TeamCount } from '../inbox-settings/teams-api';

/** The queue is read again this often; the teams' counts with it. */
const countsRefreshMs = 30_000;

/** Each team's queue with its count and whether the operator is in it; a server without teams: none. */
export function useTeamCounts(status: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: teamKeys.counts(status),
    queryFn: () =>
      api.get<{ items: TeamCount[] }>(
        status ? `/v1/teams/counts?status=${encodeURIComponent(status)}` : '/v1/teams/counts',
      ),
    refetchInterval: countsRefreshMs,
    retry: false,
  });
}

/** "My teams" when the operator belongs to one, else every conversation: the queue's first choice. */
export const defaultTeamFilter = (teams: readonly TeamCount[] | undefined): string =>
  teams?.some((team) => team.isMine) ? 'mine' : '';

/** The queue's team selector: every conversation, the operator's teams, or one team's queue with its count. */
export function TeamQueueSelect(props: {
  id: string;
  value: string;
  teams: readonly TeamCount[];
  onChange: (teamId: string) => void;
}) {
  const hasMine = props.teams.some((team) => team.isMine);
  return (
    <>
      <label htmlFor={props.id}>Team</label>
      <select id={props.id} value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        <option value="">Any team</option>
        {hasMine && <option value="mine">My teams</option>}
        {props.teams.map((team) => (
          <option key={team.teamId} value={team.teamId}>
            {team.name} ({team.count})
          </option>
        ))}
      </select>
    </>
  );
}
