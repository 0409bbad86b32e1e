import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import { Field } from '../../ui/field';
import { teamKeys, type Team } from './teams-api';

/** The tenant's teams, for forms that pick one (read once, shared with the Teams page). */
export function useTeams() {
  const { api } = useServices();
  return useQuery({ queryKey: teamKeys.all, queryFn: () => api.get<{ items: Team[] }>('/v1/teams') });
}

/** Which team's queue an inbox's new conversations join; none by default. */
export function TeamField(props: { value: string; onChange: (teamId: string) => void; error: unknown }) {
  const teams = useTeams();
  return (
    <Field
      label="Team"
      field="teamId"
      error={props.error}
      hint="New conversations of this inbox wait in the team's queue; round-robin gives them to its members only."
    >
      {(control) => (
        <select {...control} value={props.value} onChange={(event) => props.onChange(event.target.value)}>
          <option value="">No team</option>
          {(teams.data?.items ?? []).map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
