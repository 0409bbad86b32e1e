import { percentile } from './load.js';
import type { ParleyClient, Session } from './parley-api.js';

export interface PageTiming {
  readonly kind: string;
  readonly label: string;
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export interface PageProbe {
  /** Every page of the member's list, walked once through nextCursor. */
  readonly listedConversations: number;
  readonly pages: number;
  /** The nextCursor that leads to the middle page. */
  readonly middleCursor: string | undefined;
  readonly conversationId: string;
  /** The `before` cursor of the conversation's latest history page. */
  readonly olderCursor: string | undefined;
  readonly timings: readonly PageTiming[];
}

interface PageBody {
  items: { id: string }[];
  nextCursor: string | null;
}

/**
 * Times the conversation list and the history pages over HTTP, as a member (own conversations) and
 * as the tenant's admin (all of them). Kinds are interleaved request by request, so a change in
 * background load lands on all of them alike.
 */
export async function timePages(client: ParleyClient, member: Session, admin: Session, requests: number): Promise<PageProbe> {
  // Walk the whole list once: it proves the cursor visits every conversation exactly once, gives the
  // latency of every page, and finds a cursor deep in the list.
  // The server may just have been restarted (embedded storage): warm it before anything is timed.
  for (let index = 0; index < 20; index += 1) await client.get(member, '/v1/conversations?limit=20');
  const walk: number[] = [];
  const seen = new Set<string>();
  const cursors: (string | undefined)[] = [undefined];
  let cursor: string | undefined;
  for (let page = 0; page < 2000; page += 1) {
    const response = await client.get(member, `/v1/conversations?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
    walk.push(response.elapsedMs);
    const body = response.body as PageBody;
    for (const item of body.items) seen.add(item.id);
    if (!body.nextCursor) break;
    cursor = body.nextCursor;
    cursors.push(cursor);
  }
  const middleCursor = cursors[Math.floor(cursors.length / 2)];
  const middlePage = (await client.get(member, `/v1/conversations?limit=20${middleCursor ? `&cursor=${middleCursor}` : ''}`))
    .body as PageBody;
  const conversationId = middlePage.items[0]?.id;
  if (!conversationId) throw new Error('the seeded tenant lists no conversations');
  const latest = (await client.get(member, `/v1/conversations/${conversationId}/messages?limit=50`)).body as {
    items: unknown[];
    olderCursor: string | null;
  };
  const olderCursor = latest.olderCursor ?? undefined;

  const kinds: { kind: string; label: string; session: Session; path: string }[] = [
    { kind: 'list-first', label: 'list, first page (member)', session: member, path: '/v1/conversations?limit=20' },
    {
      kind: 'list-deep',
      label: 'list, middle page by cursor (member)',
      session: member,
      path: `/v1/conversations?limit=20${middleCursor ? `&cursor=${middleCursor}` : ''}`,
    },
    { kind: 'list-tenant', label: 'list, first page (admin: whole tenant)', session: admin, path: '/v1/conversations?limit=20' },
    {
      kind: 'history-latest',
      label: 'history, latest 50 messages',
      session: member,
      path: `/v1/conversations/${conversationId}/messages?limit=50`,
    },
    {
      kind: 'history-older',
      label: 'history, the 50 before those',
      session: member,
      path: `/v1/conversations/${conversationId}/messages?limit=50${olderCursor ? `&before=${olderCursor}` : ''}`,
    },
  ];
  const samples = new Map(kinds.map((kind) => [kind.kind, [] as number[]]));
  const warmUpRequests = Math.min(20, requests);
  for (let index = 0; index < warmUpRequests + requests; index += 1) {
    for (const kind of kinds) {
      const response = await client.get(kind.session, kind.path);
      if (index >= warmUpRequests) samples.get(kind.kind)!.push(response.elapsedMs);
    }
  }
  const timingOf = (kind: string, label: string, values: number[]): PageTiming => ({
    kind,
    label,
    count: values.length,
    p50Ms: percentile(values, 0.5),
    p95Ms: percentile(values, 0.95),
    p99Ms: percentile(values, 0.99),
  });
  return {
    listedConversations: seen.size,
    pages: walk.length,
    middleCursor,
    conversationId,
    olderCursor,
    timings: [
      ...kinds.map((kind) => timingOf(kind.kind, kind.label, samples.get(kind.kind)!)),
      timingOf('list-walk', 'list, every page once (walk)', walk),
    ],
  };
}
