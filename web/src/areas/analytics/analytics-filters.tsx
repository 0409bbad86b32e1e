import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import type { AnalyticsFilters } from './analytics-api';

interface Named {
  id: string;
  name?: string;
  displayName?: string | null;
  email?: string;
  role?: string;
}

/** The first page of a list, for a filter's choices (100 is the API's page limit). */
function useChoices(path: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: ['analytics-choices', path],
    queryFn: async () => (await api.get<{ items: Named[] }>(`${path}?limit=100`)).items,
  }).data;
}

/** Range, bucket, and the agent, inbox and operator filters. */
export function AnalyticsFiltersBar(props: {
  filters: AnalyticsFilters;
  onChange: (filters: AnalyticsFilters) => void;
}) {
  const { filters, onChange } = props;
  const agents = useChoices('/v1/agents');
  const inboxes = useChoices('/v1/inboxes');
  const operators = useChoices('/v1/users')?.filter((user) => user.role !== 'member');
  const set = (change: Partial<AnalyticsFilters>) => onChange({ ...filters, ...change });
  return (
    <form className="analytics-filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
      <RangeFields filters={filters} onChange={onChange} />
      <label>
        Agent
        <select value={filters.agentId} onChange={(event) => set({ agentId: event.target.value })}>
          <option value="">All agents</option>
          {agents?.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Inbox
        <select value={filters.inboxId} onChange={(event) => set({ inboxId: event.target.value })}>
          <option value="">All inboxes</option>
          {inboxes?.map((inbox) => (
            <option key={inbox.id} value={inbox.id}>
              {inbox.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Operator
        <select value={filters.operatorId} onChange={(event) => set({ operatorId: event.target.value })}>
          <option value="">All operators</option>
          {operators?.map((user) => (
            <option key={user.id} value={user.id}>
              {user.displayName ?? user.email}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

/** From, to and the series' period: all an operator's own ratings are filtered by. */
export function RangeFields(props: { filters: AnalyticsFilters; onChange: (filters: AnalyticsFilters) => void }) {
  const { filters, onChange } = props;
  const set = (change: Partial<AnalyticsFilters>) => onChange({ ...filters, ...change });
  return (
    <>
      <label>
        From
        <input
          type="date"
          value={filters.from}
          max={filters.to}
          onChange={(event) => set({ from: event.target.value })}
        />
      </label>
      <label>
        To
        <input
          type="date"
          value={filters.to}
          min={filters.from}
          onChange={(event) => set({ to: event.target.value })}
        />
      </label>
      <label>
        By
        <select value={filters.bucket} onChange={(event) => set({ bucket: event.target.value as 'day' | 'week' })}>
          <option value="day">day</option>
          <option value="week">week</option>
        </select>
      </label>
    </>
  );
}
