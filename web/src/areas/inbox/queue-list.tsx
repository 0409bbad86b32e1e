import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { NavLink } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { InboxOf, useInboxDirectory } from './inbox-directory';
import { TargetBadge } from './target-badge';
import { defaultTeamFilter, TeamQueueSelect, useTeamCounts } from './team-queue-select';
import {
  channelLabels,
  contactLabel,
  queueCountsPath,
  queuePath,
  queueViewLabels,
  queueViews,
  statusLabels,
  supportKeys,
  supportStatuses,
  waitingFor,
  type Contact,
  type QueueCounts,
  type QueueFilters,
  type QueuePage,
  type QueueView,
  type SupportConversation,
} from './support-api';

/** The queue is read again this often, so waiting times and new arrivals stay current without a socket. */
const queueRefreshMs = 30_000;

function ContactName({ item }: { item: SupportConversation }) {
  const { api } = useServices();
  const contact = useQuery({
    queryKey: supportKeys.contact(item.contactId),
    queryFn: () => api.get<Contact>(`/v1/contacts/${item.contactId}`),
    enabled: !item.contactName,
    staleTime: 60_000,
  });
  if (item.contactName) return <>{item.contactName}</>;
  return <>{contact.data ? contactLabel(contact.data) : 'Contact'}</>;
}

/**
 * The support queue: Mine / Unassigned / All tabs with their counts, status, channel and inbox filters, and the
 * conversations longest waiting first (the server's order), each a link to the conversation. It opens
 * on Unassigned while conversations wait there, so new ones are what an operator sees first.
 */
export function QueueList() {
  const { api } = useServices();
  const tabsId = useId();
  const [chosenView, setView] = useState<QueueView>();
  const [chosenFilters, setFilters] = useState<Omit<QueueFilters, 'teamId'>>({ status: '', channel: '', inboxId: '' });
  const filter = (change: Partial<QueueFilters>) => setFilters((current) => ({ ...current, ...change }));
  const inboxes = useInboxDirectory();
  const teamCounts = useTeamCounts(chosenFilters.status);
  const [chosenTeam, setTeam] = useState<string>();
  // Until a team is chosen: "My teams" when the operator is in one (their queue), else every conversation.
  const filters: QueueFilters = { ...chosenFilters, teamId: chosenTeam ?? defaultTeamFilter(teamCounts.data?.items) };
  const isTeamChosen = chosenTeam !== undefined || !teamCounts.isPending;
  // The tabs' counts, over the same filters; a server without them shows the tabs without numbers.
  const countsQuery = useQuery({
    queryKey: supportKeys.queueCounts(filters),
    queryFn: () => api.get<QueueCounts>(queueCountsPath(filters)),
    refetchInterval: queueRefreshMs,
    retry: false,
    enabled: isTeamChosen,
  });
  // Until a tab is chosen: Unassigned when conversations wait there (nobody has them yet), else Mine.
  const view: QueueView = chosenView ?? (countsQuery.data?.unassigned ? 'unassigned' : 'mine');
  const queue = useInfiniteQuery({
    queryKey: supportKeys.queue(view, filters),
    queryFn: ({ pageParam }) => api.get<QueuePage>(queuePath(view, filters, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: queueRefreshMs,
    // The first tab waits for the counts that choose it (or for their failure: then Mine).
    enabled: isTeamChosen && (chosenView !== undefined || !countsQuery.isPending),
  });
  const counts = countsQuery.data ?? queue.data?.pages[0]?.counts ?? {};
  const items = queue.data?.pages.flatMap((page) => page.items) ?? [];
  const now = Date.now();

  return (
    <div className="stack queue">
      <div role="tablist" aria-label="Queue" className="queue-tabs">
        {queueViews.map((each) => (
          <button
            key={each}
            type="button"
            role="tab"
            id={`${tabsId}-${each}`}
            aria-selected={each === view}
            aria-controls={`${tabsId}-panel`}
            tabIndex={each === view ? 0 : -1}
            onClick={() => setView(each)}
            onKeyDown={(event) => {
              if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
              const step = event.key === 'ArrowRight' ? 1 : queueViews.length - 1;
              const next = queueViews[(queueViews.indexOf(each) + step) % queueViews.length] ?? 'mine';
              setView(next);
              document.getElementById(`${tabsId}-${next}`)?.focus();
            }}
          >
            {queueViewLabels[each]}
            {counts[each] !== undefined && (
              <>
                {' '}
                <span className="badge queue-count">{counts[each]}</span>
              </>
            )}
          </button>
        ))}
      </div>
      <div className="queue-filter">
        {(teamCounts.data?.items.length ?? 0) > 0 && (
          <TeamQueueSelect
            id={`${tabsId}-team`}
            value={filters.teamId}
            teams={teamCounts.data?.items ?? []}
            onChange={setTeam}
          />
        )}
        <label htmlFor={`${tabsId}-status`}>Status</label>
        <select
          id={`${tabsId}-status`}
          value={filters.status}
          onChange={(event) => filter({ status: event.target.value })}
        >
          <option value="">Any but resolved</option>
          {supportStatuses.map((each) => (
            <option key={each} value={each}>
              {statusLabels[each]}
            </option>
          ))}
        </select>
        <label htmlFor={`${tabsId}-channel`}>Channel</label>
        <select
          id={`${tabsId}-channel`}
          value={filters.channel}
          onChange={(event) => filter({ channel: event.target.value, inboxId: '' })}
        >
          <option value="">Any channel</option>
          {Object.entries(channelLabels).map(([kind, label]) => (
            <option key={kind} value={kind}>
              {label}
            </option>
          ))}
        </select>
        <label htmlFor={`${tabsId}-inbox`}>Inbox</label>
        <select
          id={`${tabsId}-inbox`}
          value={filters.inboxId}
          onChange={(event) => filter({ inboxId: event.target.value })}
        >
          <option value="">Any inbox</option>
          {[...(inboxes?.values() ?? [])]
            .filter((inbox) => !filters.channel || inbox.kind === filters.channel)
            .map((inbox) => (
              <option key={inbox.id} value={inbox.id}>
                {inbox.name}
              </option>
            ))}
        </select>
      </div>
      <div id={`${tabsId}-panel`} role="tabpanel" aria-labelledby={`${tabsId}-${view}`} className="conversation-scroll">
        {queue.isPending ? (
          <p className="muted state-text">Loading the queue…</p>
        ) : queue.isError && items.length === 0 ? (
          <ErrorNotice error={queue.error} onRetry={() => void queue.refetch()} />
        ) : items.length === 0 ? (
          <p className="muted state-text">No conversations here.</p>
        ) : (
          <ul className="conversation-list" aria-label="Support conversations">
            {items.map((item) => (
              <li key={item.id} className="conversation-item">
                <NavLink to={`/inbox/${item.id}`} className="conversation-link queue-link">
                  <span className="conversation-title">
                    <ContactName item={item} />
                  </span>
                  <span className="queue-meta muted">
                    <span className="badge">{statusLabels[item.status]}</span> <TargetBadge targets={item.targets} />
                    <span title="Waiting since the last status change">{waitingFor(item.statusChangedAt, now)}</span>
                    <InboxOf inboxId={item.inboxId} inboxes={inboxes} />
                    {item.labels.length > 0 && <> · {item.labels.join(', ')}</>}
                  </span>
                  {item.summary && <span className="queue-summary muted">{item.summary}</span>}
                </NavLink>
              </li>
            ))}
          </ul>
        )}
        {queue.hasNextPage && (
          <div className="load-more">
            <button type="button" onClick={() => void queue.fetchNextPage()} disabled={queue.isFetchingNextPage}>
              {queue.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
