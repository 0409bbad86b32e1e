import { sql, type SQL } from 'drizzle-orm';
import type { AppError } from '../../platform/errors.js';
import { userDailyMessages } from '../../platform/db/schema/index.js';
import { budgetExceeded, formatCount } from './budget-refusals.js';

/**
 * A person's message to count against their daily cap (null: none) by the caller's own statement: a chat
 * turn counts it in the statement that stores it, so the count costs the turn no round trip (issue 63).
 */
export interface MessageToCount {
  readonly userId: string;
  /** The UTC day it counts on. */
  readonly day: string;
  readonly cap: number | null;
  /** When it was admitted: what the refusal's reset time is counted from. */
  readonly at: Date;
}

/**
 * The daily count's one rule, as SQL: one more message on the person's day, refused (no row returned) when
 * the day already holds `cap` of them. Run only `when` holds. The budgets' own admit and a chat turn's
 * statement both count through it.
 */
export function countedMessageSql(
  values: { readonly tenantId: SQL; readonly userId: SQL; readonly day: SQL; readonly cap: SQL },
  when: SQL = sql`true`,
): SQL {
  return sql`insert into ${userDailyMessages} (tenant_id, user_id, day, messages)
    select ${values.tenantId}::uuid, ${values.userId}::uuid, ${values.day}::date, 1 where ${when}
    on conflict (tenant_id, user_id, day) do update set messages = ${userDailyMessages}.messages + 1
      where ${values.cap}::integer is null or ${userDailyMessages}.messages < ${values.cap}::integer
    returning messages`;
}

/** The 429 of a message its sender's daily cap refused. */
export function dailyCapRefusal(count: MessageToCount): AppError {
  const cap = formatCount(count.cap ?? 0);
  return budgetExceeded('daily_messages', cap, cap, count.at);
}
