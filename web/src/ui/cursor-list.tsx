import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { useServices } from '../app-context';
import { ErrorNotice } from './error-notice';

/** One page of a keyset list, as every list endpoint of the API answers. */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * A list endpoint read page by page (`?cursor=`), flattened for display. `pollEveryMs` re-reads the
 * pages shown while it answers a number for them (e.g. while some row is still changing on the server).
 */
export function useCursorList<Item>(
  queryKey: QueryKey,
  path: string,
  limit = 50,
  options: { pollEveryMs?: (items: Item[]) => number | false } = {},
) {
  const { pollEveryMs } = options;
  const { api } = useServices();
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ limit: String(limit) });
      if (pageParam) params.set('cursor', pageParam);
      // A path may carry its own filters (`/v1/contacts?q=ann`); the page's parameters go after them.
      return api.get<Page<Item>>(`${path}${path.includes('?') ? '&' : '?'}${params.toString()}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: pollEveryMs
      ? (current) => pollEveryMs(current.state.data?.pages.flatMap((page) => page.items) ?? [])
      : false,
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { query, items };
}

export type CursorList<Item> = ReturnType<typeof useCursorList<Item>>;

/**
 * Loading, failure and empty states of a list, each with a sentence; the list itself (and its
 * "Load more") once there is something to show.
 */
export function CursorListView<Item>(props: {
  list: CursorList<Item>;
  loadingText: string;
  emptyText: ReactNode;
  children: (items: Item[]) => ReactNode;
}) {
  const { query, items } = props.list;
  if (query.isPending) return <p className="muted state-text">{props.loadingText}</p>;
  // A failed "Load more" keeps the pages already shown.
  if (query.isError && items.length === 0) {
    return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  }
  if (items.length === 0) return <p className="muted state-text">{props.emptyText}</p>;
  return (
    <>
      {props.children(items)}
      {query.isError && (
        <ErrorNotice
          error={query.error}
          onRetry={() => void (query.isFetchNextPageError ? query.fetchNextPage() : query.refetch())}
        />
      )}
      {query.hasNextPage && (
        <div className="row load-more">
          <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
