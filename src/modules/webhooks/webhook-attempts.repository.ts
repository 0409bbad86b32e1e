import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import type { StoredDelivery } from './webhooks.repository.js';
import { rowsOf, uuidArray } from '../../platform/db/raw-sql.js';

/** A delivery named by a job: its tenant is checked with it, so no job can claim another tenant's row. */
export interface DeliveryKey {
  readonly tenantId: string;
  readonly id: string;
}

/** A claimed delivery with what its attempt sends: the endpoint's address and secret, the event's body. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly attempts: number;
  readonly roundAttempts: number;
  readonly url: string;
  readonly encryptedSecret: string;
  readonly isEnabled: boolean;
  readonly eventType: string;
  readonly payload: string;
}

/** What an attempt's record writes; `retryInMs` set puts the delivery back to pending for then. */
export type AttemptRecord = DeliveryKey &
  Pick<StoredDelivery, 'status' | 'responseStatus' | 'durationMs' | 'responseExcerpt' | 'error'> & {
    readonly retryInMs?: number;
    /** A success that ends the endpoint's run of failures (not a test event's). */
    readonly resetsFailures?: boolean;
  };

/**
 * The two statements of a batch of delivery attempts (the `webhooks.deliver` jobs of one fetch): one
 * claims the batch and reads what each attempt sends, one records every outcome. A delivery costs two
 * round trips over the batch instead of five of its own (docs: BENCHMARKS.md, Webhook delivery).
 */
export function createWebhookAttemptsRepository() {
  return {
    /**
     * Takes these deliveries for one attempt each: only those pending and due (a job run again early, a
     * batch handed back, does not cut a retry's wait short), or claimed by a node that stopped answering
     * `staleAfterMs` ago. Rows are locked as they are checked, and a row another node is
     * claiming at this moment is skipped, not waited for (SKIP LOCKED): each attempt is sent by one node.
     * Nor is a delivery taken while its endpoint has `slow.perEndpoint` sends unanswered for
     * `slow.afterMs` (on any node): it stays pending, and the sweep of overdue deliveries queues it again
     * a minute or two later, so an endpoint that hangs cannot take every node's room for slow sends.
     */
    async claimDeliveries(
      db: Executor,
      keys: readonly DeliveryKey[],
      staleAfterMs: number,
      slow: { readonly afterMs: number; readonly perEndpoint: number },
    ) {
      if (keys.length === 0) return [];
      const result = await db.execute(sql`
        with claimable as (
          -- Key by key, each row by its primary key: as a semi-join of the keys, the planner scanned
          -- every pending row of the partial indexes when their statistics were young (a pile of waiting
          -- deliveries made each claim 20 times slower).
          select waiting.id
          from unnest(${uuidArray(keys.map((key) => key.tenantId))}, ${uuidArray(keys.map((key) => key.id))}) as key(tenant_id, id)
          cross join lateral (
            select id from webhook_deliveries
            where webhook_deliveries.id = key.id and webhook_deliveries.tenant_id = key.tenant_id
              and ((status = 'pending' and next_attempt_at <= now())
                or (status = 'delivering' and claimed_at < now() - make_interval(secs => ${staleAfterMs / 1000})))
              and (
                select count(*) from (
                  select 1 from webhook_deliveries sending
                  where sending.endpoint_id = webhook_deliveries.endpoint_id and sending.status = 'delivering'
                    and sending.claimed_at < now() - make_interval(secs => ${slow.afterMs / 1000})
                    and sending.claimed_at >= now() - make_interval(secs => ${staleAfterMs / 1000})
                  limit ${slow.perEndpoint}
                ) slow_sends
              ) < ${slow.perEndpoint}
            for update skip locked
          ) waiting
        ),
        claimed as (
          update webhook_deliveries d
          set status = 'delivering', claimed_at = now(), attempts = d.attempts + 1,
            round_attempts = d.round_attempts + 1, last_attempt_at = now(), updated_at = now()
          from claimable
          where d.id = claimable.id
          returning d.id, d.tenant_id, d.endpoint_id, d.event_id, d.attempts, d.round_attempts
        )
        select claimed.id, claimed.tenant_id as "tenantId", claimed.endpoint_id as "endpointId",
          claimed.event_id as "eventId", claimed.attempts, claimed.round_attempts as "roundAttempts",
          endpoint.url, endpoint.encrypted_secret as "encryptedSecret", endpoint.is_enabled as "isEnabled",
          event.type as "eventType", event.payload
        from claimed
        join webhook_endpoints endpoint on endpoint.id = claimed.endpoint_id and endpoint.tenant_id = claimed.tenant_id
        join webhook_events event on event.id = claimed.event_id and event.tenant_id = claimed.tenant_id`);
      return rowsOf<ClaimedDelivery>(result);
    },

    /**
     * Up to `count` of an endpoint's deliveries waiting and due (those its limit of slow sends left
     * pending), oldest first, for jobs to be queued for them. Each is moved to the back of the line
     * (due now), so kicks made at the same moment, on any node, take different ones.
     */
    async takeWaiting(db: Executor, tenantId: string, endpointId: string, count: number) {
      const result = await db.execute(sql`
        update webhook_deliveries d
        set next_attempt_at = now(), updated_at = now()
        from (
          select id from webhook_deliveries
          where endpoint_id = ${endpointId} and tenant_id = ${tenantId}
            and status = 'pending' and next_attempt_at < now()
          order by next_attempt_at
          limit ${count}
          for update skip locked
        ) waiting
        where d.id = waiting.id
        returning d.id, d.tenant_id as "tenantId", d.attempts`);
      return rowsOf<{ id: string; tenantId: string; attempts: number }>(result);
    },

    /**
     * The outcomes of a batch's attempts, each written only over its own claim (still `delivering`), and
     * the endpoints whose delivery succeeded cleared of their run of failures, in one statement.
     */
    async recordAttempts(db: Executor, records: readonly AttemptRecord[]): Promise<void> {
      if (records.length === 0) return;
      const outcomes = records.map((record) => ({
        id: record.id,
        tenant_id: record.tenantId,
        status: record.status,
        response_status: record.responseStatus,
        duration_ms: record.durationMs,
        response_excerpt: record.responseExcerpt,
        error: record.error,
        retry_in_ms: record.retryInMs ?? null,
        resets_failures: record.resetsFailures ?? false,
      }));
      await db.execute(sql`
        with outcome as (
          select * from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as o(
            id uuid, tenant_id uuid, status text, response_status integer, duration_ms integer,
            response_excerpt text, error text, retry_in_ms float8, resets_failures boolean)
        ),
        recorded as (
          update webhook_deliveries d
          set status = outcome.status, response_status = outcome.response_status,
            duration_ms = outcome.duration_ms, response_excerpt = outcome.response_excerpt,
            error = outcome.error, claimed_at = null, updated_at = now(),
            next_attempt_at = case when outcome.retry_in_ms is null then d.next_attempt_at
              else now() + make_interval(secs => outcome.retry_in_ms / 1000) end
          from outcome
          where d.id = outcome.id and d.tenant_id = outcome.tenant_id and d.status = 'delivering'
          returning d.tenant_id, d.endpoint_id, outcome.resets_failures
        )
        update webhook_endpoints endpoint
        set consecutive_failed_events = 0, failing_since = null
        from recorded
        where recorded.resets_failures and endpoint.id = recorded.endpoint_id
          and endpoint.tenant_id = recorded.tenant_id and endpoint.consecutive_failed_events > 0`);
    },
  };
}

export type WebhookAttemptsRepository = ReturnType<typeof createWebhookAttemptsRepository>;
