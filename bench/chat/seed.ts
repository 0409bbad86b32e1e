import { performance } from 'node:perf_hooks';
import type { BenchDatabase } from './bench-database.js';

export interface SeedPlan {
  readonly tenantId: string;
  readonly ownerId: string;
  readonly agentId: string;
  readonly conversations: number;
  readonly messagesPerConversation: number;
  /** Conversations per INSERT … SELECT of messages: bounds one statement's memory (PGlite runs in WASM). */
  readonly batchConversations?: number;
}

/**
 * A UUID v7 for a timestamp, in SQL: 48 bits of milliseconds over a random v4 UUID, version bits set
 * to 7. Message ids are spaced seconds apart, so history order by id is time order, as Parley's are.
 */
const uuidV7At = (timestamp: string) =>
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from ${timestamp}) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`;

const userText = `'Question ' || k || ': what does the quarterly report say about regional revenue, costs and next year''s plan?'`;
const assistantText = `repeat('The report shows steady growth in the northern region while costs stayed flat; ', 4) || 'turn ' || k || '.'`;

/**
 * Seeds one owner's conversations and their messages with INSERT … SELECT over generate_series: no
 * row crosses the wire. Conversation g started g minutes after the first; its messages are 10 s
 * apart, alternating user and assistant; its last activity is its last message.
 */
export async function seedConversations(db: BenchDatabase, plan: SeedPlan): Promise<{ seconds: number }> {
  const startedAt = performance.now();
  const perConversation = plan.messagesPerConversation;
  const spanSeconds = perConversation * 10;
  await db.query(
    `insert into conversations (id, tenant_id, owner_id, agent_id, title, message_count, last_activity_at, created_at, updated_at)
     select ${uuidV7At('t.started')}, $1, $2, $3, 'Seeded conversation ' || g, $4,
            t.started + make_interval(secs => $5), t.started, t.started + make_interval(secs => $5)
     from generate_series(1, $6::int) g
     cross join lateral (select now() - interval '1 day' - make_interval(mins => $6::int - g) as started) t`,
    [plan.tenantId, plan.ownerId, plan.agentId, perConversation, spanSeconds - 10, plan.conversations],
  );
  const batch = plan.batchConversations ?? 1000;
  for (let offset = 0; offset < plan.conversations; offset += batch) {
    await db.query(
      `insert into messages (id, tenant_id, conversation_id, role, content, status, model, input_tokens, output_tokens,
                             total_tokens, time_to_first_token_ms, duration_ms, finish_reason, created_at, completed_at)
       select ${uuidV7At('m.at')}, c.tenant_id, c.id,
              case when k % 2 = 0 then 'user' else 'assistant' end,
              case when k % 2 = 0 then ${userText} else ${assistantText} end,
              'complete',
              case when k % 2 = 1 then 'bench:mock-model' end,
              case when k % 2 = 1 then 40 + k end,
              case when k % 2 = 1 then 80 end,
              case when k % 2 = 1 then 120 + k end,
              case when k % 2 = 1 then 350 end,
              case when k % 2 = 1 then 2400 end,
              case when k % 2 = 1 then 'stop' end,
              m.at, m.at
       from (select id, tenant_id, created_at from conversations
             where tenant_id = $1 and owner_id = $2 order by id offset $3 limit $4) c
       cross join generate_series(0, $5::int - 1) k
       cross join lateral (select c.created_at + make_interval(secs => k * 10) as at) m`,
      [plan.tenantId, plan.ownerId, offset, batch, perConversation],
    );
  }
  return { seconds: (performance.now() - startedAt) / 1000 };
}

/** What a DBA does after a bulk load (PostgreSQL's autovacuum would soon; PGlite has no autovacuum). */
export async function analyzeTables(db: BenchDatabase): Promise<void> {
  await db.query('vacuum analyze conversations');
  await db.query('vacuum analyze messages');
}

export async function tableSizes(
  db: BenchDatabase,
): Promise<{ conversations: number; messages: number; totalMb: number }> {
  const [row] = await db.query(
    `select (select count(*) from conversations)::int as conversations, (select count(*) from messages)::int as messages,
            round((pg_total_relation_size('messages') + pg_total_relation_size('conversations')) / 1048576.0)::int as mb`,
  );
  return { conversations: Number(row?.conversations), messages: Number(row?.messages), totalMb: Number(row?.mb) };
}
