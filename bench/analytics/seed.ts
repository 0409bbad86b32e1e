import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { newId } from '../../src/platform/ids.js';

/**
 * One tenant's history, written with a few bulk INSERT … SELECT statements: `conversations`
 * conversations spread evenly over `days` days, ten messages each (user and AI in turn, with tokens and
 * a model; every other conversation a support conversation with its events, some handed to operators,
 * some resolved and rated), and a tool call in every fifth. Ids are derived from the tenant and the row
 * number (md5 → uuid), so the statements can refer to each other's rows without reading them back.
 */
export async function seedHistory(
  handle: DatabaseHandle,
  options: { conversations: number; days: number; end: Date },
): Promise<{ tenantId: string; agentIds: string[]; inboxIds: string[]; operatorIds: string[] }> {
  const tenantId = newId();
  const ownerId = newId();
  const operatorIds = [newId(), newId()];
  const agentIds = [newId(), newId()];
  const inboxIds = [newId(), newId()];
  const run = (text: string, values: unknown[] = []) => handle.executeSql(text, values);
  await run('insert into tenants (id, name) values ($1, $2)', [tenantId, `bench analytics ${options.conversations}`]);
  for (const [index, id] of [ownerId, ...operatorIds].entries()) {
    await run(`insert into users (id, tenant_id, email, password_hash, role) values ($1, $2, $3, 'x', $4)`, [
      id,
      tenantId,
      `bench-${index}@example.com`,
      index === 0 ? 'tenant_admin' : 'operator',
    ]);
  }
  for (const [index, id] of agentIds.entries()) {
    await run(
      `insert into agents (id, tenant_id, visibility, name, model) values ($1, $2, 'tenant', $3, 'acme:gpt-4o-mini')`,
      [id, tenantId, `agent ${index}`],
    );
  }
  await run(`insert into providers (id, tenant_id, name, kind) values ($1, $2, 'acme', 'openai')`, [newId(), tenantId]);
  await run(
    `insert into model_prices (id, provider_kind, model, input_usd_per_million, output_usd_per_million)
     values ($1, 'openai', 'gpt-4o-mini', 0.15, 0.6) on conflict do nothing`,
    [newId()],
  );
  for (const [index, id] of inboxIds.entries()) {
    await run(
      `insert into inboxes (id, tenant_id, name, agent_id, widget_title, widget_color, handoff_keywords, on_ai_failure,
         encrypted_signing_secret, signing_secret_rotated_at)
       values ($1, $2, $3, $4, 'Help', '#123456', '{}', 'handover', 'unused', now())`,
      [id, tenantId, `inbox ${index}`, agentIds[index]],
    );
  }
  await run(
    `insert into contacts (id, tenant_id, name)
     select md5($1::text || 'contact' || g)::uuid, $1::uuid, 'contact ' || g from generate_series(0, 999) g`,
    [tenantId],
  );
  const count = options.conversations;
  const spacingMs = (options.days * 86_400_000) / count;
  const start = options.end.getTime() - options.days * 86_400_000;
  const params = [tenantId, ownerId, agentIds[0], agentIds[1], new Date(start).toISOString(), spacingMs, count];
  // $5 + g × $6 ms: conversation g's start (the shorter statements below pass them as $2 and $3).
  const startOf = `($5::timestamptz + (g * $6::float8) * interval '1 millisecond')`;
  const shortStartOf = `($2::timestamptz + (g * $3::float8) * interval '1 millisecond')`;
  const shortParams = [tenantId, new Date(start).toISOString(), spacingMs, count];
  await run(
    `insert into conversations (id, tenant_id, owner_id, agent_id, message_count, created_at, updated_at, last_activity_at)
     select md5($1::text || 'c' || g)::uuid, $1::uuid, $2, case when g % 2 = 0 then $3::uuid else $4::uuid end, 10,
       ${startOf}, ${startOf}, ${startOf}
     from generate_series(0, $7 - 1) g`,
    params,
  );
  // Ten messages a conversation, 30 s apart: user, AI, user, AI, …; in a handed-off support conversation
  // the eighth is an operator's reply. AI replies take 2–6 s, some search knowledge, some cite.
  await run(
    `insert into messages (id, tenant_id, conversation_id, role, content, status, model, input_tokens, output_tokens,
       passages_found, citations, author_id, created_at, completed_at)
     select md5($1::text || 'm' || g || '-' || j)::uuid, $1::uuid, md5($1::text || 'c' || g)::uuid,
       case when j % 2 = 0 then 'user' else 'assistant' end, 'bench', 'complete',
       case when j % 2 = 1 and not (g % 4 = 0 and j = 7) then 'acme:gpt-4o-mini' end,
       case when j % 2 = 1 and not (g % 4 = 0 and j = 7) then 400 + (g % 300) end,
       case when j % 2 = 1 and not (g % 4 = 0 and j = 7) then 80 + (g % 50) end,
       case when j % 2 = 1 and g % 3 = 0 and j <> 7 then (g % 4) end,
       case when j % 2 = 1 and g % 3 = 0 and g % 4 = 1 and j <> 7 then '[{"marker":1}]'::jsonb end,
       case when g % 4 = 0 and j = 7 then $5::uuid end,
       ${shortStartOf} + j * interval '30 seconds',
       ${shortStartOf} + j * interval '30 seconds' + (2 + g % 5) * interval '1 second'
     from generate_series(0, $4 - 1) g, generate_series(0, 9) j`,
    [...shortParams, operatorIds[0]],
  );
  // Support conversations: the even ones. Handed off (g % 4 = 0) at 60 s to operator g % 8 / 4; resolved
  // (g % 3 = 0) at 10 min; rated when resolved and g % 6 = 0.
  await run(
    `insert into support_conversations (id, tenant_id, inbox_id, contact_id, conversation_id, status, assignee_id,
       status_changed_at, created_at, updated_at)
     select md5($1::text || left($2::text, 1) || g)::uuid, $1::uuid, case when g % 4 = 0 then $3::uuid else $4::uuid end,
       md5($1::text || 'contact' || (g % 1000))::uuid, md5($1::text || 'c' || g)::uuid,
       case when g % 3 = 0 then 'resolved' when g % 4 = 0 then 'open' else 'bot' end,
       case when g % 4 = 0 then (case when g % 8 = 0 then $8::uuid else $9::uuid end) end,
       ${startOf}, ${startOf}, ${startOf}
     from generate_series(0, $7 - 1, 2) g`,
    [
      tenantId,
      'support',
      inboxIds[0],
      inboxIds[1],
      new Date(start).toISOString(),
      spacingMs,
      count,
      operatorIds[0],
      operatorIds[1],
    ],
  );
  await run(
    `insert into support_events (id, tenant_id, support_conversation_id, actor_kind, action, from_status, to_status, created_at)
     select md5($1::text || 'e' || g || '-' || step)::uuid, $1::uuid, md5($1::text || 's' || g)::uuid, 'system', 'bench',
       case step when 0 then null when 1 then 'bot' else 'open' end,
       case step when 0 then 'bot' when 1 then 'open' else 'resolved' end,
       ${shortStartOf} + case step when 0 then interval '0' when 1 then interval '60 seconds' else interval '10 minutes' end
     from generate_series(0, $4 - 1, 2) g, generate_series(0, 2) step
     where step = 0 or (step = 1 and g % 4 = 0) or (step = 2 and g % 3 = 0)`,
    shortParams,
  );
  await run(
    `insert into support_ratings (support_conversation_id, tenant_id, rating, is_ai_only, created_at)
     select md5($1::text || 's' || g)::uuid, $1::uuid, 1 + g % 5, g % 4 <> 0, ${shortStartOf} + interval '11 minutes'
     from generate_series(0, $4 - 1, 6) g`,
    shortParams,
  );
  await run(
    `insert into tool_executions (id, tenant_id, tool_name, agent_id, conversation_id, arguments_sha256, duration_ms, outcome, created_at)
     select md5($1::text || 't' || g)::uuid, $1::uuid, 'lookup', case when g % 2 = 0 then $5::uuid else $6::uuid end,
       md5($1::text || 'c' || g)::uuid, 'x', 20, case when g % 25 = 0 then 'error' else 'success' end,
       ${shortStartOf} + interval '40 seconds'
     from generate_series(0, $4 - 1, 5) g`,
    [...shortParams, agentIds[0], agentIds[1]],
  );
  await run('analyze');
  return { tenantId, agentIds, inboxIds, operatorIds };
}
