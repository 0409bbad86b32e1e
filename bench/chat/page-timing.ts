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

export interface PageTenant {
  /** Owns the tenant's conversations and lists them. */
  readonly member: Session;
  /** Lists the whole tenant. */
  readonly admin: Session;
}

interface PageBody {
  items: { id: string }[];
  nextCursor: string | null;
}

interface RequestKind {
  readonly kind: string;
  readonly label: string;
  readonly session: Session;
  readonly path: string;
}

interface Walked {
  readonly walkMs: number[];
  readonly listed: number;
  readonly middleCursor: string | undefined;
  readonly conversationId: string;
  readonly olderCursor: string | undefined;
  readonly kinds: RequestKind[];
}

/**
 * Times the conversation list and the history pages over HTTP, as a member (own conversations) and
 * as the tenant's admin (all of them), for one or more tenants. Requests are interleaved — kind by
 * kind and tenant by tenant — so a change in the machine's background load lands on all alike, and
 * the tenants' figures compare the size of their data, not the moment they were taken.
 */
export async function timePages(
  client: ParleyClient,
  tenants: readonly PageTenant[],
  requests: number,
): Promise<PageProbe[]> {
  const walked: Walked[] = [];
  for (const tenant of tenants) walked.push(await walk(client, tenant));

  const samples = walked.map((entry) => new Map(entry.kinds.map((kind) => [kind.kind, [] as number[]])));
  const warmUpRequests = Math.min(20, requests);
  for (let index = 0; index < warmUpRequests + requests; index += 1) {
    for (let kindIndex = 0; kindIndex < walked[0]!.kinds.length; kindIndex += 1) {
      for (const [tenantIndex, entry] of walked.entries()) {
        const kind = entry.kinds[kindIndex]!;
        const response = await client.get(kind.session, kind.path);
        if (index >= warmUpRequests) samples[tenantIndex]!.get(kind.kind)!.push(response.elapsedMs);
      }
    }
  }
  return walked.map((entry, tenantIndex) => ({
    listedConversations: entry.listed,
    pages: entry.walkMs.length,
    middleCursor: entry.middleCursor,
    conversationId: entry.conversationId,
    olderCursor: entry.olderCursor,
    timings: [
      ...entry.kinds.map((kind) => timingOf(kind.kind, kind.label, samples[tenantIndex]!.get(kind.kind)!)),
      timingOf('list-walk', 'list, every page once (walk)', entry.walkMs),
    ],
  }));
}

/**
 * Walks the member's whole list once: it proves the cursor visits every conversation exactly once,
 * gives the latency of every page, and finds a cursor in the middle of the list and a conversation there.
 */
async function walk(client: ParleyClient, { member, admin }: PageTenant): Promise<Walked> {
  // The server may just have been restarted (embedded storage): warm it before anything is timed.
  for (let index = 0; index < 20; index += 1) await client.get(member, '/v1/conversations?limit=20');
  const walkMs: number[] = [];
  const seen = new Set<string>();
  const cursors: (string | undefined)[] = [undefined];
  let cursor: string | undefined;
  for (let page = 0; page < 2000; page += 1) {
    const response = await client.get(member, `/v1/conversations?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
    walkMs.push(response.elapsedMs);
    const body = response.body as PageBody;
    for (const item of body.items) seen.add(item.id);
    if (!body.nextCursor) break;
    cursor = body.nextCursor;
    cursors.push(cursor);
  }
  const middleCursor = cursors[Math.floor(cursors.length / 2)];
  const middleQuery = `/v1/conversations?limit=20${middleCursor ? `&cursor=${middleCursor}` : ''}`;
  const middlePage = (await client.get(member, middleQuery)).body as PageBody;
  const conversationId = middlePage.items[0]?.id;
  if (!conversationId) throw new Error('the seeded tenant lists no conversations');
  const history = `/v1/conversations/${conversationId}/messages?limit=50`;
  const latest = (await client.get(member, history)).body as { olderCursor: string | null };
  const olderCursor = latest.olderCursor ?? undefined;
  return {
    walkMs,
    listed: seen.size,
    middleCursor,
    conversationId,
    olderCursor,
    kinds: [
      { kind: 'list-first', label: 'list, first page (member)', session: member, path: '/v1/conversations?limit=20' },
      { kind: 'list-deep', label: 'list, middle page by cursor (member)', session: member, path: middleQuery },
      {
        kind: 'list-tenant',
        label: 'list, first page (admin: whole tenant)',
        session: admin,
        path: '/v1/conversations?limit=20',
      },
      { kind: 'history-latest', label: 'history, latest 50 messages', session: member, path: history },
      {
        kind: 'history-older',
        label: 'history, the 50 before those',
        session: member,
        path: `${history}${olderCursor ? `&before=${olderCursor}` : ''}`,
      },
    ],
  };
}

function timingOf(kind: string, label: string, values: number[]): PageTiming {
  return {
    kind,
    label,
    count: values.length,
    p50Ms: percentile(values, 0.5),
    p95Ms: percentile(values, 0.95),
    p99Ms: percentile(values, 0.99),
  };
}
