import type { BenchDatabase } from '../chat/bench-database.js';

export interface DeskTenant {
  readonly tenantId: string;
  readonly inboxIds: readonly string[];
  /** The tenant's operators; the first is the one whose "mine" tab is timed. */
  readonly operatorIds: readonly string[];
}

export interface DeskSize {
  readonly conversations: number;
  readonly contacts: number;
}

/**
 * The spread of a desk that has run for a year: most conversations resolved, a few hundred to a few
 * thousand waiting, open or snoozed. Per mille, in the order the seed draws them.
 */
export const statusSpread = [
  ['resolved', 850],
  ['bot', 40],
  ['pending', 30],
  ['open', 60],
  ['snoozed', 20],
] as const;

const firstNames = [
  'Ann',
  'Bob',
  'Chen',
  'Dana',
  'Elif',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jon',
  'Kemal',
  'Lena',
  'Maria',
  'Mark',
  'Nora',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Victor',
  'Wei',
  'Xena',
  'Yusuf',
  'Zoe',
];
const lastNames = [
  'Lee',
  'Smith',
  'Garcia',
  'Müller',
  'Rossi',
  'Novak',
  'Kim',
  'Tanaka',
  'Silva',
  'Dubois',
  'Jensen',
  'Khan',
  'Ivanova',
  'Okafor',
  'Nguyen',
  'Cohen',
  'Martin',
  'Brown',
  'Wang',
  'Lopez',
];
const domains = ['example.com', 'mail.test', 'shop.example', 'corp.test', 'inbox.example'];

const sqlArray = (values: readonly string[]) => `array[${values.map((value) => `'${value}'`).join(',')}]::text[]`;

/** A number in [0, modulo) drawn from the row number and a salt: the same seed makes the same desk. */
const draw = (salt: string, modulo: number) => `(abs(hashtext(i::text || '${salt}')) % ${modulo})`;

/**
 * Writes `size` contacts and support conversations into a tenant with INSERT … SELECT generate_series,
 * in batches (PGlite holds a statement's rows in WASM memory). Ids are md5-derived uuids, so a
 * conversation names its contact without a join. Then VACUUM ANALYZE, as autovacuum would have done.
 */
export async function seedDesk(db: BenchDatabase, tenant: DeskTenant, size: DeskSize): Promise<void> {
  const batch = 25_000;
  // An md5 shaped as a version-4 uuid (the API checks the version and variant digits).
  const contactId = (expression: string) => {
    const hash = `md5('${tenant.tenantId}-contact-' || (${expression})::text)`;
    return `(substr(${hash}, 1, 12) || '4' || substr(${hash}, 14, 3) || '8' || substr(${hash}, 18, 15))::uuid`;
  };
  for (let from = 1; from <= size.contacts; from += batch) {
    const to = Math.min(size.contacts, from + batch - 1);
    // A fifth of the contacts are anonymous widget visitors; 60 % carry the tenant's own id.
    await db.query(`
      insert into contacts (id, tenant_id, name, email, phone, external_id, attributes, first_seen_at, last_seen_at, created_at, updated_at)
      select ${contactId('i')}, '${tenant.tenantId}',
        case when ${draw('anon', 5)} = 0 then null
          else (${sqlArray(firstNames)})[1 + ${draw('first', firstNames.length)}] || ' ' || (${sqlArray(lastNames)})[1 + ${draw('last', lastNames.length)}] end,
        case when ${draw('anon', 5)} = 0 then null
          else lower((${sqlArray(firstNames)})[1 + ${draw('first', firstNames.length)}]) || '.' || i || '@' || (${sqlArray(domains)})[1 + ${draw('domain', domains.length)}] end,
        case when ${draw('phone', 2)} = 0 then null else '+4930' || lpad(${draw('digits', 10_000_000)}::text, 7, '0') end,
        case when ${draw('external', 10)} < 6 then 'user-' || i else null end,
        jsonb_build_object('plan', (array['free','pro','team'])[1 + ${draw('plan', 3)}]),
        t, t + make_interval(mins => ${draw('seen', 100_000)}), t, t
      from generate_series(${from}, ${to}) as i,
        lateral (select now() - make_interval(mins => ${draw('created', 525_600)}) as t) as created`);
  }

  const inboxes = sqlArray(tenant.inboxIds);
  const operators = `${sqlArray(tenant.operatorIds)}::uuid[]`;
  const statusCase = `case ${statusSpread
    .map((_, index) => {
      const upTo = statusSpread.slice(0, index + 1).reduce((sum, [, share]) => sum + share, 0);
      return `when ${draw('status', 1000)} < ${upTo} then '${statusSpread[index]![0]}'`;
    })
    .join(' ')} end`;
  for (let from = 1; from <= size.conversations; from += batch) {
    const to = Math.min(size.conversations, from + batch - 1);
    // Open and snoozed are assigned (so are 80 % of resolved); bot and pending wait for nobody yet.
    // Unresolved ones changed status in the last three days, resolved ones over the year.
    await db.query(`
      insert into support_conversations (id, tenant_id, inbox_id, contact_id, status, assignee_id, snoozed_until,
        labels, summary, status_changed_at, created_at, updated_at)
      select gen_random_uuid(), '${tenant.tenantId}', (${inboxes})[1 + ${draw('inbox', tenant.inboxIds.length)}]::uuid,
        ${contactId(`1 + ${draw('contact', size.contacts)}`)}, s.status,
        case when s.status in ('open', 'snoozed') or (s.status = 'resolved' and ${draw('assigned', 5)} > 0)
          then (${operators})[1 + ${draw('operator', tenant.operatorIds.length)}] else null end,
        case when s.status = 'snoozed' then now() + make_interval(hours => 1 + ${draw('snooze', 72)}) else null end,
        case when ${draw('label', 4)} = 0 then array['billing']::text[] else '{}'::text[] end,
        null,
        case when s.status = 'resolved' then t + make_interval(mins => ${draw('resolve', 600)})
          else now() - make_interval(secs => ${draw('waiting', 259_200)}) end,
        t, t
      from generate_series(${from}, ${to}) as i,
        lateral (select ${statusCase} as status) as s,
        lateral (select now() - make_interval(mins => 4320 + ${draw('created', 521_280)}) as t) as created`);
  }
  await db.query('vacuum analyze contacts');
  await db.query('vacuum analyze support_conversations');
  // The seed moved each count row tens of thousands of times in a few statements; a desk changes them one
  // conversation a transaction, which page pruning keeps compact (and autovacuum, on PostgreSQL).
  await db.query('vacuum analyze support_queue_counts');
}

/** The tab counts straight from the table, to check the API's answer against. */
export async function countDirectly(db: BenchDatabase, tenantId: string, userId: string, status?: string) {
  const where = status === undefined ? `status <> 'resolved'` : `status = '${status}'`;
  const [row] = await db.query(
    `select count(*) filter (where assignee_id = $2)::int as mine,
            count(*) filter (where assignee_id is null)::int as unassigned,
            count(*)::int as "all"
       from support_conversations where tenant_id = $1 and ${where}`,
    [tenantId, userId],
  );
  return row as { mine: number; unassigned: number; all: number };
}
