import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import { channelLabels, supportKeys, type Channel, type InboxSummary } from './support-api';

/**
 * The tenant's inboxes by id (the first 100, the API's page): what the queue and a conversation show of
 * where it came in, and what the inbox filter offers. Read once a minute at most.
 */
export function useInboxDirectory(): ReadonlyMap<string, InboxSummary> | undefined {
  const { api } = useServices();
  return useQuery({
    queryKey: supportKeys.inboxes,
    queryFn: async () => {
      const page = await api.get<{ items: InboxSummary[] }>('/v1/inboxes?limit=100');
      return new Map(page.items.map((inbox) => [inbox.id, inbox]));
    },
    staleTime: 60_000,
  }).data;
}

/** " · Email: Billing", where the conversation came in; nothing until the inboxes are read. */
export function InboxOf(props: {
  inboxId: string;
  inboxes: ReadonlyMap<string, { name: string; kind: Channel }> | undefined;
}) {
  const inbox = props.inboxes?.get(props.inboxId);
  if (!inbox) return null;
  return (
    <span className="queue-inbox">
      {' · '}
      {channelLabels[inbox.kind]}: {inbox.name}
    </span>
  );
}
