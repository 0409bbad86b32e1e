import type { ChaosCluster } from './chaos-cluster.js';
import type { History } from './chaos-history.js';
import { importedFilesLostOrDoubled, unsettledImports } from './chaos-imports.js';
import { holesIn, type WatchedLog } from './chaos-sockets.js';

/** Each invariant's count of violations (0 is a pass), with examples for the report. */
export interface InvariantCounts {
  readonly counts: Record<string, number>;
  readonly examples: Record<string, string[]>;
}

const examplesOf = (items: readonly string[]) => items.slice(0, 5);

/** Committed `message.created` events the receiver has not had yet (waited for before the checks). */
export async function undeliveredWebhookEvents(cluster: ChaosCluster, tenantId: string): Promise<number> {
  const delivered = new Set(
    cluster.webhooks.received.map((delivery) => (delivery.payload?.data.message as { id?: string } | undefined)?.id),
  );
  const { rows } = await cluster.sql.query(
    `select payload::jsonb->'data'->'message'->>'id' as "messageId" from webhook_events
      where tenant_id = $1 and type = 'message.created'`,
    [tenantId],
  );
  return (rows as { messageId: string }[]).filter((row) => !delivered.has(row.messageId)).length;
}

/**
 * The invariants, checked from outside once the faults are over and every node is up: from what the
 * clients were told (the history), the sockets kept, the webhook receiver and mail sink got, and the
 * rows a client can read back.
 */
export async function checkInvariants(
  cluster: ChaosCluster,
  tenantId: string,
  history: History,
  watched: readonly WatchedLog[],
): Promise<InvariantCounts> {
  const rows = async <T>(text: string, values: unknown[]) => (await cluster.sql.query(text, values)).rows as T[];
  const counts: Record<string, number> = {};
  const examples: Record<string, string[]> = {};
  const record = (name: string, problems: readonly string[]) => {
    counts[name] = problems.length;
    examples[name] = examplesOf(problems);
  };

  // Every message a client was told is stored, stored once; one it was not told of, at most once.
  const sent = history.operations.filter(
    (operation) => operation.content !== undefined && !['openai', 'import'].includes(operation.kind),
  );
  const stored = new Map(
    (
      await rows<{ content: string; count: number }>(
        // The tag a client sent, wherever the message holds it (a mail's starts with its subject).
        `select tag as content, count(*)::int as count
           from (select substring(content from '\\[[a-z]+ [0-9.]+\\]') as tag from messages where tenant_id = $1) tagged
          where tag = any($2) group by 1`,
        [tenantId, sent.map((operation) => operation.content)],
      )
    ).map((row) => [row.content, row.count]),
  );
  record(
    'acknowledged and lost',
    sent.filter((operation) => operation.acked && !stored.has(operation.content!)).map((each) => each.content!),
  );
  record(
    'stored twice',
    sent.filter((operation) => (stored.get(operation.content!) ?? 0) > 1).map((each) => each.content!),
  );

  // Every reply ended: complete, stopped or failed; none left streaming.
  const faultAt = (at: number) =>
    history.faults.find((window) => at >= window.startedAt - 1_000 && at <= window.endedAt + 1_000)?.name ?? 'no fault';
  record(
    'replies left streaming',
    (
      await rows<{ id: string; startedAt: number; aliveAt: number | null; length: number }>(
        `select id, extract(epoch from created_at) * 1000 as "startedAt", extract(epoch from alive_at) * 1000 as "aliveAt",
                length(content) as length
           from messages where tenant_id = $1 and status = 'streaming'`,
        [tenantId],
      )
    ).map(
      (row) =>
        `${row.id} begun in '${faultAt(Number(row.startedAt))}', ${row.length} chars, lease renewed ${row.aliveAt ? `${Math.round((Date.now() - Number(row.aliveAt)) / 1000)} s ago` : 'never'}`,
    ),
  );

  // Every socket client's log has no hole and no repeat, to the head of each conversation's log.
  const heads = new Map(
    (
      await rows<{ conversationId: string; head: number }>(
        `select conversation_id as "conversationId", max(seq)::int as head from conversation_events
          where tenant_id = $1 group by 1`,
        [tenantId],
      )
    ).map((row) => [row.conversationId, row.head]),
  );
  const chatHeads = new Map([...heads].filter(([id]) => watched[0]?.seqs.has(id) || watched.length === 0));
  record(
    'socket log holes or repeats',
    watched.flatMap((log, index) => holesIn(log, chatHeads).map((problem) => `socket ${index}: ${problem}`)),
  );

  // Every message.created event committed is delivered, each message under one webhook-id.
  const events = await rows<{ messageId: string; deliveries: string }>(
    `select payload::jsonb->'data'->'message'->>'id' as "messageId",
            (select string_agg(d.status || ' after ' || d.attempts || ' attempts', ', ') from webhook_deliveries d
              where d.event_id = e.id) as deliveries
       from webhook_events e where tenant_id = $1 and type = 'message.created'`,
    [tenantId],
  );
  const deliveries = new Map<string, Set<string>>();
  for (const delivery of cluster.webhooks.received) {
    const messageId = (delivery.payload?.data.message as { id?: string } | undefined)?.id;
    if (!messageId) continue;
    const ids = deliveries.get(messageId) ?? new Set<string>();
    ids.add(String(delivery.headers['webhook-id']));
    deliveries.set(messageId, ids);
  }
  record(
    'webhook events undelivered',
    events
      .filter((event) => !deliveries.has(event.messageId))
      .map((event) => `${event.messageId} (${event.deliveries ?? 'no delivery row'})`),
  );
  record(
    'webhook events under two ids',
    [...deliveries].filter(([, ids]) => ids.size > 1).map(([messageId]) => messageId),
  );
  record(
    'webhook deliveries unverified',
    cluster.webhooks.received.filter((delivery) => !delivery.isVerified).map((delivery) => delivery.rawBody),
  );

  // Every reply mailed at most once.
  const mailed = new Map<string, number>();
  for (const mail of cluster.mailSink.received) {
    const id = mail.mail.messageId ?? '';
    mailed.set(id, (mailed.get(id) ?? 0) + 1);
  }
  record(
    'mail sent twice',
    [...mailed].filter(([, times]) => times > 1).map(([id]) => id),
  );

  // Budgets and the ledger agree: the month's counters are the sum of its ledger rows, and what is
  // reserved is what the live reservations hold.
  const [usage] = await rows<{ tokens: number; calls: number; reserved: number }>(
    `select coalesce(sum(input_tokens + output_tokens), 0)::bigint::float8 as tokens,
            coalesce(sum(model_calls), 0)::int as calls, coalesce(sum(reserved_tokens), 0)::float8 as reserved
       from tenant_monthly_usage where tenant_id = $1`,
    [tenantId],
  );
  const [ledger] = await rows<{ tokens: number; calls: number }>(
    `select coalesce(sum(input_tokens + output_tokens), 0)::float8 as tokens, count(*)::int as calls
       from usage_ledger where tenant_id = $1`,
    [tenantId],
  );
  const [reservations] = await rows<{ reserved: number }>(
    'select coalesce(sum(tokens), 0)::float8 as reserved from budget_reservations where tenant_id = $1',
    [tenantId],
  );
  const budgetProblems: string[] = [];
  if (usage?.tokens !== ledger?.tokens)
    budgetProblems.push(`counters ${usage?.tokens} tokens, ledger ${ledger?.tokens}`);
  if (usage?.calls !== ledger?.calls) budgetProblems.push(`counters ${usage?.calls} calls, ledger ${ledger?.calls}`);
  if (usage?.reserved !== reservations?.reserved) {
    budgetProblems.push(`reserved ${usage?.reserved}, live reservations ${reservations?.reserved}`);
  }
  record('budget counters off the ledger', budgetProblems);

  // Every import ended (none left running) and every document it added was indexed; every file of an
  // import a client was told of is a document of the source, once.
  record('imports or documents left unfinished', await unsettledImports(cluster, tenantId));
  record('imported files lost or stored twice', await importedFilesLostOrDoubled(cluster, tenantId, history));

  record('nodes that ended on their own', cluster.endedOnTheirOwn());
  record(
    'unexpected 5xx',
    history.unexpectedStatuses().map((each) => `${each.kind} ${each.status} ${each.content ?? ''}`),
  );
  return { counts, examples };
}
